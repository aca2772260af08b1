"""The client of ``scripts/cluster-check`` (issue 21 item 5): everything goes through the
nginx round-robin in front of two gunicorn nodes, and every answer names the node that gave
it (``X-Cluster-Node``, nginx's ``$upstream_addr``, set only in that script's nginx).

1. Seeds the demo accounts (``accounts.demo.create_demo_data``) in the cluster's database.
2. Signs in the demo hospital user bj_user as a browser does: the login page and its captcha
   image, the password with the captcha's answer (read from django-simple-captcha's store in
   the shared database), 登录验证 with the SMS code the file backend wrote into the shared
   SMS folder.
3. 一键下载 the templates, fills 附件3 with ``--cases`` cases, 开始上传 → the preview → 确认导入;
   the preview and the confirmation must be answered by different nodes (so must the upload
   and the preview): the kept file is read by a node that did not write it.
4. A burst of ``--burst`` requests from ``--clients`` concurrent clients over the signed-in
   pages; every one must be answered 200, and both nodes must answer.

Run with the nodes' environment (the same database and keys); exits 1 on the first error,
with what was asked and answered.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import io
import os
import re
import statistics
import sys
import threading
import time
import uuid
import zipfile
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")

USERNAME = "bj_user"


class CheckFailed(Exception):
    pass


class Browser:
    """Cookies, Origin and CSRF token as a browser sends them; one keep-alive connection to
    the proxy; every answer's node and status recorded."""

    def __init__(self, port: int, cookies: dict | None = None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.connection = None

    def _connection(self):
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return self.connection

    def request(self, method, path, *, fields=None, files=None, expect=(200,)):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if files:
            body, content_type = multipart(fields or {}, files)
            headers["Content-Type"] = content_type
        elif fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "POST":
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        started = time.perf_counter()
        try:
            connection = self._connection()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection = None
            raise CheckFailed(f"{method} {path}: no answer ({error!r})") from None
        elapsed = time.perf_counter() - started
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        answer = Answer(method, path, response.status, response.getheader("X-Cluster-Node", "?"),
                        response.getheader("Location", ""), content, elapsed)  # fmt: skip
        if answer.status not in expect:
            raise CheckFailed(
                f"{method} {path}: {answer.status} from node {answer.node}, expected "
                f"{'/'.join(map(str, expect))}\n{answer.words[:2000]}"
            )
        return answer


class Answer:
    def __init__(self, method, path, status, node, location, content, elapsed):
        self.method, self.path, self.status, self.node = method, path, status, node
        self.location, self.content, self.elapsed = urlsplit(location).path, content, elapsed

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    @property
    def words(self) -> str:
        """What the page's main part says, without markup (for a failure's report)."""
        main = re.search(r"<main\b.*?</main>", self.text, re.S)
        words = re.sub(r"<[^>]+>", " ", main.group() if main else self.text)
        return re.sub(r"\s+", " ", words).strip()

    def field(self, name: str) -> str:
        """The value of the input ``name`` on the page."""
        tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', self.text)
        value = re.search(r'\bvalue="([^"]*)"', tag.group()) if tag else None
        if value is None:
            raise CheckFailed(f"{self.method} {self.path}: no {name} on the page")
        return value.group(1)


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())  # fmt: skip
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (a Chinese character takes two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


class Report:
    """The steps, one line each, with the node that answered."""

    def __init__(self, nodes: dict[str, str]):
        self.nodes = nodes

    def name(self, answer: Answer) -> str:
        return self.nodes.get(answer.node, answer.node)

    def step(self, label: str, answer: Answer, note: str = "") -> Answer:
        print(f"  {pad(label, 36)} {answer.status}  {self.name(answer):<6} "
              f"{answer.elapsed * 1000:6.0f} ms  {note}", flush=True)  # fmt: skip
        return answer


def seed() -> dict[str, str]:
    """The demo accounts in the (new) cluster database: username → password."""
    from accounts.demo import create_demo_data

    accounts = create_demo_data()
    if not accounts:
        raise CheckFailed("the cluster database already has users: it must be a new one")
    return {account.username: account.password for account in accounts}


def sms_code(mobile: str, folder: Path, *, after: float) -> str:
    from accounts.sms.backends.filebased import read_outbox

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for message in read_outbox(folder, limit=20):
            if message["mobile"] == mobile and message["sent_at"].timestamp() >= after - 1:
                return re.search(r"验证码为(\d{6})", message["text"]).group(1)
        time.sleep(0.1)
    raise CheckFailed(f"no SMS code for {mobile} in {folder}")


def sign_in(browser: Browser, report: Report, password: str, sms_folder: Path) -> None:
    from captcha.models import CaptchaStore
    from django.urls import reverse

    from accounts.models import User

    login = report.step("登录页", browser.request("GET", reverse("accounts:login")))
    key = login.field("captcha_0")
    image = browser.request("GET", reverse("captcha-image", args=[key]))
    report.step("验证码图片 (from the shared store)", image, f"{len(image.content)} bytes")
    answer = CaptchaStore.objects.get(hashkey=key).response
    sent_after = time.time()
    posted = browser.request(
        "POST",
        reverse("accounts:login"),
        fields={
            "csrfmiddlewaretoken": login.field("csrfmiddlewaretoken"),
            "username": USERNAME,
            "password": password,
            "captcha_0": key,
            "captcha_1": answer,
        },
        expect=(302,),
    )
    report.step("账号登录 (password + captcha)", posted, f"→ {posted.location}")
    if posted.location != reverse("accounts:login_verify"):
        raise CheckFailed(f"the sign-in went to {posted.location}, not to 登录验证")
    if report.name(image) == report.name(login):
        raise CheckFailed("the captcha was made and drawn by one node")
    verify = report.step("登录验证页", browser.request("GET", posted.location))
    code = sms_code(User.objects.get(username=USERNAME).mobile, sms_folder, after=sent_after)
    if report.name(verify) != report.name(posted):
        # Round-robin: the next request would go back to the node that sent the code.
        report.step("(one request between)", browser.request("GET", reverse("healthz")))
    done = browser.request(
        "POST",
        posted.location,
        fields={"csrfmiddlewaretoken": verify.field("csrfmiddlewaretoken"), "sms_code": code},
        expect=(302,),
    )
    report.step("短信验证码 (sent by the other node)", done, f"→ {done.location}")
    if report.name(done) == report.name(posted):
        raise CheckFailed("the SMS code was sent and checked by one node")
    welcome = report.step("首页 (signed in)", browser.request("GET", done.location or "/"))
    if "北京市东城区演示医院" not in welcome.text:
        raise CheckFailed("the page after the sign-in does not show the user's hospital")


def filled_attachment3(templates_zip: bytes, cases: int) -> tuple[str, bytes]:
    """The 附件3 of 一键下载 with ``cases`` valid cases, as a clerk fills it."""
    from openpyxl import load_workbook

    from casesets.specs import ATTACHMENT3
    from excel_templates.layout import FILE_STEMS, THROMBOLYSIS
    from surveys.reports import current_data_year

    with zipfile.ZipFile(io.BytesIO(templates_zip)) as archive:
        name = next(n for n in archive.namelist() if FILE_STEMS[THROMBOLYSIS] in n)
        workbook = load_workbook(io.BytesIO(archive.read(name)))
    sheet = workbook[ATTACHMENT3.sheet_name]
    letters = {column.name: column.letter for column in ATTACHMENT3.columns}
    year = current_data_year()
    run = uuid.uuid4().hex[:6].upper()
    for number in range(1, cases + 1):
        row = ATTACHMENT3.first_data_row + number - 1
        values = {
            "seq_no": number, "report_year": f"{year}年", "admission_no": f"CL{run}{number:05d}",
            "nihss_pre": 10, "nihss_discharge": 4, "mrs_discharge": 2,
            "thrombolytic_drug": "阿替普酶",
        }  # fmt: skip
        for field, value in values.items():
            sheet[f"{letters[field]}{row}"] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return name.rsplit("/", 1)[-1], buffer.getvalue()


def import_cases(browser: Browser, report: Report, cases: int) -> str:
    """开始上传 → preview → 确认导入 of a 附件3; returns the report page it leads to."""
    from django.urls import reverse

    from casesets.models import ImportBatch, ThrombolysisCase

    templates = browser.request("GET", reverse("excel:download_templates"))
    report.step("一键下载", templates, f"{len(templates.content)} bytes")
    filename, content = filled_attachment3(templates.content, cases)
    upload_page = reverse("excel:upload_thrombolysis")
    page = report.step("上传附件3 页面", browser.request("GET", upload_page))
    uploaded = browser.request(
        "POST",
        upload_page,
        fields={"csrfmiddlewaretoken": page.field("csrfmiddlewaretoken")},
        files={"file": (filename, content)},
        expect=(302,),
    )
    report.step("开始上传 (file kept)", uploaded, f"{cases} cases, {len(content)} bytes")
    preview = browser.request("GET", uploaded.location)
    report.step("预览 (reads the kept file)", preview)
    if f"将导入{cases}条" not in re.sub(r"<[^>]+>|\s", "", preview.text):
        raise CheckFailed(f"the preview does not say 将导入{cases}条:\n{preview.words[:2000]}")
    action = re.search(r'<form method="post" action="([^"]+)" id="confirm-form"', preview.text)
    if action is None:
        raise CheckFailed("the preview offers no 确认导入")
    confirmed = browser.request(
        "POST",
        action.group(1),
        fields={"csrfmiddlewaretoken": preview.field("csrfmiddlewaretoken")},
        expect=(302,),
    )
    report.step("确认导入 (reads the kept file)", confirmed, f"→ {confirmed.location}")
    nodes = [report.name(a) for a in (uploaded, preview, confirmed)]
    if nodes[0] == nodes[1] or nodes[1] == nodes[2]:
        raise CheckFailed(f"upload, preview and 确认导入 were answered by {nodes}: "
                          "the kept file was not read by another node")  # fmt: skip
    batch = ImportBatch.objects.get(public_id=uploaded.location.rstrip("/").rsplit("/", 1)[-1])
    stored = ThrombolysisCase.objects.filter(report_id=batch.report_id).count()
    if stored != cases or batch.status != "imported":
        raise CheckFailed(f"{stored} cases stored, batch {batch.status}; expected {cases}")
    print(f"  → upload on {nodes[0]}, preview on {nodes[1]}, 确认导入 on {nodes[2]}: "
          f"{stored} cases stored, batch {batch.status}", flush=True)  # fmt: skip
    return confirmed.location


def burst(port: int, cookies: dict, pages: list[str], total: int, clients: int, report: Report):
    """``total`` GETs of ``pages`` in turn from ``clients`` concurrent signed-in clients."""
    lock = threading.Lock()
    answers, failures = [], []
    queue = iter(range(total))

    def work():
        browser = Browser(port, cookies)
        while True:
            with lock:
                number = next(queue, None)
            if number is None:
                return
            try:
                answer = browser.request("GET", pages[number % len(pages)])
            except CheckFailed as failure:
                with lock:
                    failures.append(str(failure).splitlines()[0])
                continue
            with lock:
                answers.append(answer)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(work) for _ in range(clients)]:
            future.result()
    elapsed = time.perf_counter() - started
    times = sorted(a.elapsed * 1000 for a in answers)
    by_node = Counter(report.name(a) for a in answers)
    p95 = times[max(0, int(len(times) * 0.95) - 1)] if times else 0
    print(f"  {len(answers) + len(failures)} requests, {clients} clients, {elapsed:.1f} s "
          f"({(len(answers) + len(failures)) / elapsed:.0f} req/s): {len(answers)} × 200, "
          f"{len(failures)} errors; p50 {statistics.median(times or [0]):.0f} ms, "
          f"p95 {p95:.0f} ms; by node {dict(sorted(by_node.items()))}", flush=True)  # fmt: skip
    for failure in failures[:10]:
        print(f"    ERROR {failure}", flush=True)
    if failures:
        raise CheckFailed(f"{len(failures)} of {total} burst requests failed")
    if len(by_node) < 2:
        raise CheckFailed(f"only {list(by_node)} answered the burst")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxy-port", type=int, required=True)
    parser.add_argument("--node", action="append", required=True, help="NAME=127.0.0.1:PORT")
    parser.add_argument("--sms-folder", type=Path, required=True)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    import django

    django.setup()
    from django.urls import reverse

    nodes = {address: name for name, address in (n.split("=", 1) for n in args.node)}
    report = Report(nodes)
    try:
        passwords = seed()
        browser = Browser(args.proxy_port)
        print("Sign-in through the proxy (step, status, node, time):", flush=True)
        sign_in(browser, report, passwords[USERNAME], args.sms_folder)
        print("Import through the proxy:", flush=True)
        report_page = import_cases(browser, report, args.cases)
        pages = [
            reverse("welcome"),
            report_page,
            f"{report_page}?tab=thrombolysis",
            reverse("excel:upload_thrombolysis"),  # GETs never count against the import limit
            reverse("accounts:profile"),
            reverse("healthz"),
        ]
        print(f"Load burst over {len(pages)} pages:", flush=True)
        burst(args.proxy_port, browser.cookies, pages, args.burst, args.clients, report)
    except CheckFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
