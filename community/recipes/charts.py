"""The recipe page's charts, drawn on the server as SVG coordinates (no script, no library):
the loss curve per step and the histogram of example lengths."""

from __future__ import annotations

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28  # room for the axes' labels


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high <= low:
        return [low]
    step = (high - low) / count
    return [low + i * step for i in range(count + 1)]


def loss_chart(curve: dict) -> dict | None:
    """Polylines of the training (and validation) loss, with axis ticks; None without points."""
    train, valid = curve.get("train") or [], curve.get("valid") or []
    points = train + valid
    if not points:
        return None
    xs, ys = [p["x"] for p in points], [p["y"] for p in points]
    x_low, x_high = min(xs), max(xs)
    y_low, y_high = min(0.0, min(ys)), max(ys)
    x_span, y_span = (x_high - x_low) or 1, (y_high - y_low) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def at(x: float, y: float) -> tuple[float, float]:
        return LEFT + (x - x_low) / x_span * plot_w, TOP + (1 - (y - y_low) / y_span) * plot_h

    def polyline(series: list[dict]) -> str:
        return " ".join("{:.1f},{:.1f}".format(*at(p["x"], p["y"])) for p in series)

    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "bottom": HEIGHT - BOTTOM,
        "right": WIDTH - RIGHT,
        "train": polyline(train),
        "valid": polyline(valid),
        "y_ticks": [{"y": round(at(x_low, v)[1], 1), "label": f"{v:.2f}"} for v in _ticks(y_low, y_high)],
        "x_ticks": [{"x": round(at(v, y_low)[0], 1), "label": f"{v:.0f}"} for v in _ticks(x_low, x_high)],
    }


def histogram_chart(histogram: list[dict]) -> dict | None:
    """Bars of the example-length histogram (tokens per example), with their labels."""
    if not histogram:
        return None
    tallest = max(bucket["count"] for bucket in histogram) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    width = plot_w / len(histogram)
    bars = []
    for index, bucket in enumerate(histogram):
        height = bucket["count"] / tallest * plot_h
        bars.append(
            {
                "x": round(LEFT + index * width + 1, 1),
                "y": round(TOP + plot_h - height, 1),
                "width": round(max(1.0, width - 2), 1),
                "height": round(height, 1),
                "label_x": round(LEFT + (index + 0.5) * width, 1),
                **bucket,
            }
        )
    return {"width": WIDTH, "height": HEIGHT, "bottom": HEIGHT - BOTTOM, "bars": bars, "tallest": tallest}
