import shutil

import pytest

from binding.demo_export import generate_demo_export


@pytest.fixture(scope="session")
def demo_export_master(tmp_path_factory):
    """A small demo export (40 hospitals, .xls and .xlsx, messy rows), written once."""
    folder = tmp_path_factory.mktemp("legacy") / "export"
    summary = generate_demo_export(folder, hospitals=40, seed=7, xls_share=0.5)
    return folder, summary


@pytest.fixture
def demo_export(demo_export_master, tmp_path):
    """A private copy of the demo export that a test may change."""
    master, summary = demo_export_master
    folder = tmp_path / "export"
    shutil.copytree(master, folder)
    return folder, summary
