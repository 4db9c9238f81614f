"""A latent need's evidence reads as sentences, not as ``key=value`` codes."""

from __future__ import annotations

from django.utils import translation

from gridcrm.keyaccounts.evidence import evidence_sentences, evidence_text


def test_power_factor_evidence_is_a_sentence_with_two_decimals() -> None:
    evidence = {"power_factor": 0.841, "standard": 0.9, "months": ["2026-09: 0.838"]}
    with translation.override("en"):
        text = evidence_text(evidence)
    assert text.startswith("Power factor 0.84, below the standard 0.90")
    assert "2026-09 0.838" in text
    assert "=" not in text
    assert "power_factor" not in text


def test_capacity_evidence_names_units_and_percentages() -> None:
    evidence = {
        "max_demand_kw": 4800.0,
        "contracted_kva": 5000.0,
        "ratio": 0.96,
        "threshold": 0.85,
        "source": "lake",
    }
    with translation.override("en"):
        (sentence,) = evidence_sentences(evidence)
    assert "4,800 kW" in sentence
    assert "5,000 kVA" in sentence
    assert "96.0 %" in sentence
    assert "85.0 %" in sentence
    assert "lake" not in sentence


def test_visit_notes_evidence_names_the_theme_the_visits_and_the_words() -> None:
    evidence = {"theme": "无功补偿", "visits": ["2026-03-02 #7", "2026-05-11 #9"], "words": "电容"}
    with translation.override("en"):
        sentences = evidence_sentences(evidence)
    assert sentences[0] == "The visit notes keep coming back to “无功补偿”"
    assert sentences[1].startswith("mentioned in 2 visits (2026-03-02 #7, 2026-05-11 #9)")
    assert "theme=" not in " ".join(sentences)


def test_an_unknown_figure_is_still_shown_with_its_name() -> None:
    with translation.override("en"):
        assert evidence_sentences({"odd": 3}) == ["odd: 3"]
        assert evidence_text(None) == ""
