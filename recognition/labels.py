"""Names people read: metrics and segments in plain words, one place for every output (dashboard, summary,
alerts, exports). Pure: no I/O."""

from __future__ import annotations

from recognition.figures import IMAGE_PREFIX, is_image_metric

METRIC_NAMES = {
    "unaided": "Unaided awareness",
    "top_of_mind": "Top of mind",
    "aided": "Aided awareness",
    "total_awareness": "Total awareness",
    "familiar": "Familiarity",
    "consider": "Consideration",
    "prefer": "Preference",
    "nps": "NPS",
}
CUSTOMER_SEGMENTS = {
    "customer=current": "Customers",
    "customer=lapsed": "Lapsed customers",
    "customer=never": "Never customers",
    "customer=non": "Potential customers",
}


def metric_name(metric: str) -> str:
    """``aided`` → "Aided awareness"; ``image.value_for_money`` → "Image: value for money"."""
    if metric in METRIC_NAMES:
        return METRIC_NAMES[metric]
    if is_image_metric(metric):
        return "Image: " + metric.removeprefix(IMAGE_PREFIX).replace("_", " ")
    return metric.replace("_", " ").capitalize()


def segment_name(segment: str) -> str:
    """``all`` → "Everybody"; ``customer=non`` → "Potential customers"; ``age=18-24`` → "Age 18–24";
    ``education=some_college`` → "Education: some college"."""
    if segment == "all":
        return "Everybody"
    if segment in CUSTOMER_SEGMENTS:
        return CUSTOMER_SEGMENTS[segment]
    variable, _, level = segment.partition("=")
    level = level.replace("_", " ")
    if variable == "age":
        return f"Age {level.replace('-', '–')}"
    return f"{variable.replace('_', ' ').capitalize()}: {level}"
