"""Solving the image captcha in tests: read the answer from the captcha store."""

from captcha.models import CaptchaStore


def solved_captcha():
    """POST fields for a fresh, correctly answered captcha."""
    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def answer_for(hashkey):
    """The answer to the captcha a page is showing (its hidden ``captcha_0`` value)."""
    return CaptchaStore.objects.get(hashkey=hashkey).response
