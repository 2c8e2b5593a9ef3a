from django import template

register = template.Library()


@register.filter
def euros(cents: int) -> str:
    """12050 → « 120,50 € » (integer arithmetic, no float)."""
    return f"{cents // 100},{cents % 100:02d} €"
