"""The /metrics text is valid Prometheus exposition format: HELP and TYPE before each family,
labels quoted and escaped, integers without a decimal point, and parseable by Prometheus' own
parser (prometheus_client, present through Flower)."""

from __future__ import annotations

import pytest

from worker.metrics import Metric, Sample, render


def test_each_family_has_help_and_type_lines_before_its_samples() -> None:
    text = render(
        [
            Metric("gongq_queue_depth", "Waiting messages.", "gauge",
                   (Sample(3, {"lane": "privacy"}), Sample(0, {"lane": "default"}))),
            Metric("gongq_model_tokens_total", "Tokens.", "counter", (Sample(1200, {"kind": "input"}),)),
        ]
    )  # fmt: skip
    assert text.splitlines() == [
        "# HELP gongq_queue_depth Waiting messages.",
        "# TYPE gongq_queue_depth gauge",
        'gongq_queue_depth{lane="privacy"} 3',
        'gongq_queue_depth{lane="default"} 0',
        "# HELP gongq_model_tokens_total Tokens.",
        "# TYPE gongq_model_tokens_total counter",
        'gongq_model_tokens_total{kind="input"} 1200',
    ]
    assert text.endswith("\n")


def test_label_values_and_help_text_are_escaped() -> None:
    text = render([Metric("gongq_x", "a \\ b\nc", "gauge", (Sample(1.5, {"operation": 'q"\\\n'}),))])
    assert "# HELP gongq_x a \\\\ b\\nc" in text
    assert 'gongq_x{operation="q\\"\\\\\\n"} 1.5' in text


def test_a_family_without_samples_still_declares_itself() -> None:
    assert render([Metric("gongq_task_status_changes_total", "Changes.", "counter", ())]) == (
        "# HELP gongq_task_status_changes_total Changes.\n# TYPE gongq_task_status_changes_total counter\n"
    )


def test_prometheus_own_parser_reads_the_output() -> None:
    parser = pytest.importorskip("prometheus_client.parser")
    text = render(
        [
            Metric("gongq_task_status_changes_total", "Status changes.", "counter",
                   (Sample(2, {"status": "queued", "operation": "erase_email", "lane": "privacy"}),)),
            Metric("gongq_model_tokens_total", "Tokens.", "counter", (Sample(7, {"kind": "output"}),)),
            Metric("gongq_metrics_collect_seconds", "Took.", "gauge", (Sample(0.0123),)),
        ]
    )  # fmt: skip
    families = {f.name: f for f in parser.text_string_to_metric_families(text)}
    sample = families["gongq_task_status_changes"].samples[0]
    assert sample.labels == {"status": "queued", "operation": "erase_email", "lane": "privacy"}
    assert sample.value == 2
    assert families["gongq_task_status_changes"].type == "counter"
    assert families["gongq_model_tokens"].type == "counter"
    assert families["gongq_metrics_collect_seconds"].samples[0].value == pytest.approx(0.0123)
