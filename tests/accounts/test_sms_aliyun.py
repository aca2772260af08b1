"""The Alibaba Cloud SMS adapter, against a fake dysmsapi endpoint on 127.0.0.1."""

import base64
import hashlib
import hmac
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from accounts.models import SmsCode
from accounts.sms import SmsMessage, SmsSendError, send_sms
from accounts.sms.backends.aliyun import SmsBackend, sign
from accounts.sms.codes import send_code

MOBILE = "13800138000"
SECRET = "test-access-key-secret"
UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
OK = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}


def encode(text):
    """Percent-encoding as Alibaba Cloud's signature documentation describes it, written
    independently of the adapter: unreserved characters stay, every other UTF-8 byte is %XX."""
    return "".join(
        char if char in UNRESERVED else "".join(f"%{byte:02X}" for byte in char.encode())
        for char in text
    )


def expected_signature(params, secret, method="POST"):
    canonical = "&".join(f"{encode(k)}={encode(params[k])}" for k in sorted(params))
    string_to_sign = "&".join([method, encode("/"), encode(canonical)])
    mac = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class FakeDysmsapi:
    """Records each request and answers with ``status`` and ``reply``."""

    def __init__(self):
        self.requests = []
        self.status = 200
        self.reply = OK


@pytest.fixture
def dysmsapi(settings, monkeypatch):
    fake = FakeDysmsapi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            fake.requests.append(
                {
                    "path": self.path,
                    "content_type": self.headers["Content-Type"],
                    "params": dict(parse_qsl(body, keep_blank_values=True)),
                }
            )
            payload = json.dumps(fake.reply, ensure_ascii=False).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    settings.SMS_BACKEND = "accounts.sms.backends.aliyun.SmsBackend"
    settings.SMS_ALIYUN_ENDPOINT = f"http://127.0.0.1:{server.server_port}/"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "LTAI-test-id"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = SECRET
    settings.SMS_ALIYUN_SIGN_NAME = "中国脑血管病登记平台"
    settings.SMS_ALIYUN_TEMPLATE_CODE = "SMS_123456789"
    settings.SMS_ALIYUN_TIMEOUT = 5
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


def message(code="123456"):
    return SmsMessage(mobile=MOBILE, text=f"您的验证码为{code}", params={"code": code})


def test_request_carries_the_sendsms_parameters(dysmsapi):
    SmsBackend().send_messages([message()])

    params = dysmsapi.requests[0]["params"]
    assert {k: v for k, v in params.items() if k not in {"Signature", "SignatureNonce"}} == {
        "AccessKeyId": "LTAI-test-id",
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": MOBILE,
        "RegionId": "cn-hangzhou",
        "SignName": "中国脑血管病登记平台",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_123456789",
        "TemplateParam": '{"code":"123456"}',
        "Timestamp": params["Timestamp"],
        "Version": "2017-05-25",
    }


def test_timestamp_is_utc_iso8601(dysmsapi):
    SmsBackend().send_messages([message()])

    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", dysmsapi.requests[0]["params"]["Timestamp"]
    )


def test_each_request_has_a_fresh_nonce(dysmsapi):
    SmsBackend().send_messages([message(), message()])

    nonces = {request["params"]["SignatureNonce"] for request in dysmsapi.requests}
    assert len(nonces) == 2


def test_signature_verifies(dysmsapi):
    SmsBackend().send_messages([message()])

    params = dict(dysmsapi.requests[0]["params"])
    signature = params.pop("Signature")
    assert signature == expected_signature(params, SECRET)


def test_mobile_and_code_travel_in_a_form_body_not_in_the_url(dysmsapi):
    SmsBackend().send_messages([message()])

    request = dysmsapi.requests[0]
    assert request["path"] == "/"
    assert request["content_type"].startswith("application/x-www-form-urlencoded")


def test_signature_matches_the_published_sendsms_example():
    # The worked example of Alibaba Cloud's SMS signature documentation (a GET request).
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }

    assert sign(params, "testSecret", method="GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_ok_response_counts_as_sent(dysmsapi):
    assert SmsBackend().send_messages([message()]) == 1


def test_error_response_raises(dysmsapi):
    dysmsapi.reply = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}

    with pytest.raises(SmsSendError, match="isv.BUSINESS_LIMIT_CONTROL"):
        SmsBackend().send_messages([message()])


def test_error_response_with_fail_silently_counts_as_not_sent(dysmsapi):
    dysmsapi.reply = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}

    assert SmsBackend(fail_silently=True).send_messages([message()]) == 0


def test_error_is_logged_without_code_or_full_mobile(dysmsapi, caplog):
    dysmsapi.reply = {
        "Code": "isv.MOBILE_NUMBER_ILLEGAL",
        "Message": f"号码{MOBILE}非法，模板参数123456",
        "RequestId": "A1B2",
    }

    with pytest.raises(SmsSendError):
        SmsBackend().send_messages([message("123456")])

    assert "138****8000" in caplog.text
    assert MOBILE not in caplog.text
    assert "123456" not in caplog.text


def test_http_error_status_raises_with_the_provider_code(dysmsapi):
    dysmsapi.status = 400
    dysmsapi.reply = {
        "Code": "SignatureDoesNotMatch",
        "Message": "Specified signature is not matched",
    }

    with pytest.raises(SmsSendError, match="SignatureDoesNotMatch"):
        SmsBackend().send_messages([message()])


def test_unreadable_response_raises(dysmsapi):
    dysmsapi.reply = ["not", "an", "object"]

    with pytest.raises(SmsSendError, match="无法识别"):
        SmsBackend().send_messages([message()])


def test_timeout_raises_in_chinese(dysmsapi, settings):
    # A socket that takes connections into its backlog but never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.SMS_ALIYUN_ENDPOINT = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        settings.SMS_ALIYUN_TIMEOUT = 0.2

        with pytest.raises(SmsSendError, match="短信服务响应超时"):
            SmsBackend().send_messages([message()])


def test_connection_refused_raises_in_chinese(dysmsapi, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.SMS_ALIYUN_ENDPOINT = f"http://127.0.0.1:{closed.getsockname()[1]}/"

    with pytest.raises(SmsSendError, match="无法连接短信服务"):
        SmsBackend().send_messages([message()])


def test_send_sms_passes_template_params(dysmsapi):
    send_sms(MOBILE, "文本", params={"code": "654321"})

    assert dysmsapi.requests[0]["params"]["TemplateParam"] == '{"code":"654321"}'


@pytest.mark.django_db
def test_send_code_sends_the_code_as_template_param(dysmsapi, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_code(mobile=MOBILE, purpose=SmsCode.Purpose.LOGIN, ip="10.0.0.1")

    template_param = json.loads(dysmsapi.requests[0]["params"]["TemplateParam"])
    assert set(template_param) == {"code"} and re.fullmatch(r"\d{6}", template_param["code"])


def notice():
    return SmsMessage(
        mobile=MOBILE, text="您的个人身份认证已通过审核", params={"result": "已通过审核"}
    )


def test_notice_goes_out_with_the_notice_template(dysmsapi, settings):
    settings.SMS_ALIYUN_NOTICE_TEMPLATE_CODE = "SMS_987654321"

    SmsBackend().send_messages([notice()])

    params = dysmsapi.requests[0]["params"]
    assert (params["TemplateCode"], params["TemplateParam"]) == (
        "SMS_987654321",
        '{"result":"已通过审核"}',
    )


def test_code_still_goes_out_with_the_code_template(dysmsapi, settings):
    settings.SMS_ALIYUN_NOTICE_TEMPLATE_CODE = "SMS_987654321"

    SmsBackend().send_messages([message()])

    assert dysmsapi.requests[0]["params"]["TemplateCode"] == "SMS_123456789"


def test_notice_without_a_notice_template_is_refused_not_sent_as_a_code(dysmsapi, settings):
    settings.SMS_ALIYUN_NOTICE_TEMPLATE_CODE = ""

    with pytest.raises(SmsSendError, match="SMS_ALIYUN_NOTICE_TEMPLATE_CODE"):
        SmsBackend().send_messages([notice()])

    assert dysmsapi.requests == []
