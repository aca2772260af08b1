"""The files of an export, from a folder or a zip, read safely.

Nothing is ever extracted to disk: a member is read into memory, with its size capped
while reading (a zip's declared sizes may lie), so neither a path such as ``../../x`` nor
an absolute path nor a zip bomb can do harm. Member names are UTF-8 (Decision 9); a zip
written without the UTF-8 flag is decoded as UTF-8 too, then GBK, which is what Chinese
Windows tools write.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# Limits (an export of a few thousand hospitals is a few hundred MB at most).
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_FILES = 20000
CHUNK = 1024 * 1024

# Files that archivers and file managers add; skipped without a word.
NOISE_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


class SourceError(Exception):
    """The export as a whole cannot be read; ``message`` says why, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Entry:
    """One file of the export: its path inside the export (POSIX, no leading folder above
    the years is stripped here) and a reader of its bytes."""

    path: str
    size: int
    _read: object

    def read(self) -> bytes:
        """The file's bytes; ``SourceError`` when it is larger than ``MAX_FILE_BYTES``."""
        return self._read()


def _too_big(path: str) -> SourceError:
    return SourceError(
        f"{path}：文件超过{MAX_FILE_BYTES // (1024 * 1024)}MB，已拒绝（单个导出文件不应这样大）。"
    )


def safe_member_path(name: str) -> str | None:
    """A member name as a safe relative POSIX path, or None for a path that climbs out
    (``..``), is absolute, names a drive, or is empty."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or any(part == ".." for part in parts):
        return None
    return "/".join(parts)


def is_noise(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return any(part.startswith(".") or part == "__MACOSX" for part in parts) or (
        parts[-1] in NOISE_NAMES
    )


def _member_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> bytes:
    if info.file_size > MAX_FILE_BYTES:
        raise _too_big(path)
    data = bytearray()
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            data.extend(chunk)
            if len(data) > MAX_FILE_BYTES:
                raise _too_big(path)
    return bytes(data)


def zip_entries(archive: zipfile.ZipFile) -> tuple[list[Entry], list[str]]:
    """The files of an open zip and the problems with its member names."""
    entries, problems = [], []
    total = 0
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > MAX_FILES:
        raise SourceError(f"压缩包中的文件超过{MAX_FILES}个，已拒绝。")
    for info in infos:
        name = _member_name(info)
        path = safe_member_path(name)
        if path is None:
            problems.append(f"{name}：路径不安全（含“..”或绝对路径），已忽略。")
            continue
        if is_noise(path):
            continue
        if info.flag_bits & 0x1:
            problems.append(f"{path}：文件已加密，无法读取。")
            continue
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise SourceError(f"压缩包解压后超过{MAX_TOTAL_BYTES // (1024 * 1024)}MB，已拒绝。")
        entries.append(
            Entry(
                path,
                info.file_size,
                lambda info=info, path=path: _read_member(archive, info, path),
            )
        )
    return entries, problems


def _read_file(file: Path, path: str) -> bytes:
    with file.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(path)
    return data


def folder_entries(root: Path) -> tuple[list[Entry], list[str]]:
    """The regular files under ``root`` (symbolic links are not followed)."""
    entries, problems = [], []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for filename in sorted(filenames):
            file = Path(directory) / filename
            path = file.relative_to(root).as_posix()
            if is_noise(path):
                continue
            if file.is_symlink() or not file.is_file():
                problems.append(f"{path}：不是普通文件（如符号链接），已忽略。")
                continue
            if len(entries) >= MAX_FILES:
                raise SourceError(f"文件夹中的文件超过{MAX_FILES}个，已拒绝。")
            entries.append(
                Entry(path, file.stat().st_size, lambda f=file, p=path: _read_file(f, p))
            )
    return entries, problems


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Source:
    """An export to import: a folder or a zip file (a path, or an open binary file)."""

    def __init__(self, source, name: str | None = None):
        self._source = source
        self._archive = None
        self.name = name or str(source)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._archive is not None:
            self._archive.close()
            self._archive = None

    def entries(self) -> tuple[list[Entry], list[str]]:
        source = self._source
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            if path.is_dir():
                return folder_entries(path)
            if not path.exists():
                raise SourceError(f"找不到导入路径：{path}")
        try:
            self._archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise SourceError(
                f"{self.name}：不是文件夹，也不是可读取的zip压缩包（{error}）。"
            ) from None
        return zip_entries(self._archive)


def iter_sorted(entries: list[Entry]) -> Iterator[Entry]:
    yield from sorted(entries, key=lambda entry: entry.path)
