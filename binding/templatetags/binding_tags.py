"""Template filters of 绑定既往数据."""

from django import template

from accounts.validators import mask_phone

register = template.Library()


@register.filter
def masked_phone(value):
    """联系电话 partly masked (``accounts.validators.mask_phone``)."""
    return mask_phone(value)
