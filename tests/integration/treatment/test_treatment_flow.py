"""Treatment, safety and response forms through the save service with facts from the subject's
other forms: the gates, the context builders and the after-save consequences."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from audit.entry import RecordRef
from edc.db import get_session, transaction
from edc.models import Deviation, FormInstance, Subject
from edc.services import crf, ledger as ledger_service
from edc.services.errors import EntryRefused
from edc.wiring import actor_for, ledger_config
from tests.fixtures.accounts import ledger_entries
from tests.support.shared import CTCAE_JSON


CONSENTED = date(2026, 11, 1)
"""Consent date of the subjects below; the fixed dates of the payloads follow it."""

COURSE = {"CHEMO_NO": "1", "REGIMEN": "Topotecan + cyclophosphamide", "CHEMO_STDT": "2026-11-02", "CHEMO_ENDT": "2026-11-06"}
PRODUCT = {
    "DONOR_ID": "D-001", "DONOR_REL": "HAPLO_PARENT", "DONOR_HIV": "NEG", "DONOR_HBSAG": "NEG",
    "DONOR_ANTIHBC": "NEG", "DONOR_HCV": "NEG", "DONOR_HTLV": "NEG", "DONOR_SYPHILIS": "NEG", "DONOR_CMV": "NEG",
    "LOT_NO": "L-26-01", "BAG_NO": "1", "STOR_TEMP_C": "-150", "STOR_START_DT": "2026-10-20",
    "QC_STERILITY": "NEG", "QC_GRAM": "NEG", "QC_ENDOTOX": "0.5", "QC_MYCO": "NEG", "QC_VIAB_POSTTHAW": "85",
    "QC_PURITY_NK": "92", "TNC": "400000000", "QC_CD3_PCT": "0.2", "RECIPIENT_WEIGHT_KG": "20",
    "QC_CD19_PER_KG": "5000", "QC_POTENCY": "45", "QC_ID_MATCH": "Y",
}
INFUSION = {
    "INF_NO": "1", "INF_DT": "2026-11-14", "WEIGHT_KG": "20", "WEIGHT_DT": "2026-11-13", "DOSE_ACTUAL": "100000000",
    "THAW_DTC": "2026-11-14 09:00", "INF_START_DTC": "2026-11-14 09:30", "INF_END_DTC": "2026-11-14 10:00",
    "PREMED": "paracetamol 300 mg", "PREMED_STEROID": "N", "INF_INTERRUPTED": "N",
    **{f"VS_{tp}_{m}": v for tp in ("PRE", "15MIN", "END", "1H", "4H")
       for m, v in (("TEMP_C", "36.8"), ("HR", "100"), ("SBP", "105"), ("DBP", "65"), ("RR", "20"), ("SPO2", "98"))},
}
AE = {
    "AETERM": "Fatigue", "AETOXGR": "2", "AESTDTC": "2026-11-15", "AEENDTC": "2026-11-18", "AEONGO": "N",
    "AESER": "N", "AEREL_NK": "2", "AEREL_CHEMO": "3", "AEACN_NK": "NONE", "AEOUT": "RECOVERED",
    "AEEXPECT": "EXPECTED", "AE_INF_NO": "1",
}


@pytest.fixture
def investigator(make_user):
    return make_user("investigator")


@pytest.fixture
def enrol(app):
    """Arrange an enrolled subject (the enrolment service and its gate have tests of their own)."""

    def arrange(subject: Subject, user, arm: str = "NK") -> Subject:
        with app.app_context():
            session = get_session()
            with transaction(session):
                row = session.get(Subject, subject.id)
                row.status, row.arm, row.enrolled_on = "enrolled", arm, date(2026, 11, 1)
                ledger_service.append(session, ledger_config(), actor=actor_for(user.user, row.site_id), action="subject.enrolled",
                                      record=RecordRef(site=row.site.code, subject=row.code), payload={"arm": arm})
        return subject

    return arrange


@pytest.fixture
def save(app):
    """Save one form as ``user``; returns the SaveResult (raises what the service raises)."""

    def perform(user, subject, event_key, event_repeat, form_key, data, repeat_no=1, **kwargs):
        with app.app_context():
            session = get_session()
            with transaction(session):
                return crf.save_form(session, ledger_config(), session.merge(user.user), session.get(Subject, subject.id),
                                     crf.Slot(event_key, event_repeat, form_key, repeat_no), data, **kwargs)

    return perform


def test_treatment_forms_are_refused_before_enrolment(investigator, make_subject, save):
    subject = make_subject(investigator, consent_date=CONSENTED)
    with pytest.raises(EntryRefused, match="is not enrolled"):
        save(investigator, subject, "chemo", 1, "chemotherapy", COURSE)


def test_an_nk_infusion_is_refused_for_a_control_arm_subject(investigator, make_subject, enrol, save):
    subject = enrol(make_subject(investigator, consent_date=CONSENTED), investigator, arm="CONTROL")
    with pytest.raises(EntryRefused, match="NK arm only"):
        save(investigator, subject, "infusion", 1, "infusion", INFUSION)


def test_an_infusion_reads_chemotherapy_and_product_release_from_the_subject_s_other_forms(
    investigator, make_subject, enrol, save, db
):
    subject = enrol(make_subject(investigator, consent_date=CONSENTED), investigator)
    save(investigator, subject, "chemo", 1, "chemotherapy", COURSE)
    with pytest.raises(crf.HardCheckFailed) as refused:
        save(investigator, subject, "infusion", 1, "infusion", INFUSION)
    assert "INF_RELEASE_PASSED" in {f.check for f in refused.value.findings}

    save(investigator, subject, "infusion", 1, "nk_product", PRODUCT)
    result = save(investigator, subject, "infusion", 1, "infusion", INFUSION)
    assert result.evaluation.derived["DAYS_AFTER_CHEMO"] == 8
    assert not result.evaluation.hard
    db.expire_all()
    assert db.get(Subject, subject.id).status == "on_treatment"
    assert [e.payload["new"] for e in ledger_entries(db, "subject.status_changed")] == ["on_treatment"]


def test_an_infusion_outside_its_window_saves_with_a_query_and_an_automatic_deviation(
    investigator, make_subject, enrol, save, db
):
    subject = enrol(make_subject(investigator, consent_date=CONSENTED), investigator)
    save(investigator, subject, "chemo", 1, "chemotherapy", COURSE)
    save(investigator, subject, "infusion", 1, "nk_product", PRODUCT)
    late = {**INFUSION, "INF_DT": "2026-11-18", "WEIGHT_DT": "2026-11-17", "THAW_DTC": "2026-11-18 09:00",
            "INF_START_DTC": "2026-11-18 09:30", "INF_END_DTC": "2026-11-18 10:00"}
    result = save(investigator, subject, "infusion", 1, "infusion", late)
    assert result.evaluation.soft
    deviations = db.execute(select(Deviation)).scalars().all()
    assert [d.category for d in deviations] == ["INFUSION_WINDOW"] and deviations[0].automatic
    assert [e.payload["category"] for e in ledger_entries(db, "deviation.recorded")] == ["INFUSION_WINDOW"]
    save(investigator, subject, "infusion", 1, "infusion", {**late, "PREMED": "paracetamol 250 mg"},
         reason_code="TRANSCRIPTION", reason_text="dose of premedication corrected")
    assert len(db.execute(select(Deviation)).scalars().all()) == 1, "the same deviation is recorded once"


def test_infusion_four_waits_for_the_response_after_infusion_three(investigator, make_subject, enrol, save):
    subject = enrol(make_subject(investigator, consent_date=CONSENTED), investigator)
    with pytest.raises((EntryRefused, crf.HardCheckFailed)) as refused:
        save(investigator, subject, "infusion", 4, "infusion", {**INFUSION, "INF_NO": "4"})
    assert "infusion" in str(refused.value).lower()


def test_adverse_event_checks_read_consent_date_and_arm(investigator, make_subject, enrol, save):
    subject = enrol(make_subject(investigator, consent_date=CONSENTED), investigator, arm="CONTROL")
    with pytest.raises(crf.HardCheckFailed) as refused:
        save(investigator, subject, "logs", 1, "adverse_event", {**AE, "AESTDTC": "2026-10-20", "AEENDTC": "2026-10-22"})
    checks = {f.check for f in refused.value.findings}
    assert any("CONSENT" in c or "ICDTC" in c for c in checks), checks
    assert any("REL_NK" in c or "ATTRIB" in c for c in checks), checks
    ok = save(investigator, subject, "logs", 1, "adverse_event", {**AE, "AEREL_NK": "NA", "AEACN_NK": "NA", "AE_INF_NO": ""})
    assert ok.evaluation.derived["AELLT_CD"] == "10016256"


def test_an_imported_dictionary_codes_later_adverse_events_and_the_import_is_ledgered(
    investigator, make_subject, enrol, save, runner, db
):
    from edc.cli import main

    result = runner.invoke(main, ["dictionary", "import-ctcae", str(CTCAE_JSON)])
    assert result.exit_code == 0, result.output
    assert "imported 837 terms" in result.output
    [entry] = ledger_entries(db, "dictionary.imported")
    assert entry.payload["terms"] == 837 and len(entry.payload["source_sha256"]) == 64

    subject = enrol(make_subject(investigator, consent_date=CONSENTED), investigator)
    saved = save(investigator, subject, "logs", 1, "adverse_event", {**AE, "AETERM": "Vasculitis", "AETOXGR": "3", "AE_INF_NO": ""})
    assert saved.evaluation.derived["AEDICT_VERSION"].startswith("CTCAE CTCAE v5.0 import")


def test_a_malformed_dictionary_file_is_refused_and_nothing_is_imported(runner, tmp_path, db):
    from edc.cli import main
    from edc.models import DictionaryVersion

    bad = tmp_path / "ctcae.json"
    bad.write_text('[{"term": "Fever", "meddra": "x"}]')
    result = runner.invoke(main, ["dictionary", "import-ctcae", str(bad)])
    assert result.exit_code == 1
    assert db.execute(select(DictionaryVersion)).first() is None


def test_end_of_study_for_death_sets_the_status_and_closes_treatment_entry(investigator, make_subject, enrol, save, db):
    subject = enrol(make_subject(investigator, consent_date=CONSENTED), investigator)
    save(investigator, subject, "end_of_study", 1, "death",
         {"DTHDTC": "2026-11-20", "DTHCAUSE": "DISEASE_PROGRESSION", "AUTOPSY": "N"})
    save(investigator, subject, "end_of_study", 1, "end_of_study",
         {"EOS_DT": "2026-11-20", "EOS_REASON": "DIED", "EOS_REASON_TXT": "progressive disease"})
    db.expire_all()
    assert db.get(Subject, subject.id).status == "died"
    with pytest.raises(EntryRefused, match="ended the study|not enrolled"):
        save(investigator, subject, "chemo", 1, "chemotherapy", COURSE)


BASELINE = {"ASSESS_DT": "2026-10-25", "ASSESS_TYPE": "BASELINE", "MIBG_DONE": "Y", "MIBG_DT": "2026-10-25",
            "MIBG_SCORE_METHOD": "CURIE", "CTMRI_DONE": "Y", "CTMRI_DT": "2026-10-25", "BM_DONE": "Y", "BM_DT": "2026-10-25",
            "PRIM_PRESENT": "Y", "PRIM_LD_MM": "50", "MET_PRESENT": "N", "NEW_LESION": "N", "BM_PCT": "0", "BM_ADEQUATE": "Y",
            **{f"CURIE_SEG{i}": "0" for i in range(1, 11)}}


def test_response_is_derived_against_the_saved_baseline_and_rederived_when_the_baseline_changes(
    investigator, make_subject, enrol, save, db
):
    subject = enrol(make_subject(investigator, consent_date=CONSENTED), investigator)
    save(investigator, subject, "screening", 1, "tumour_assessment", BASELINE)
    save(investigator, subject, "chemo", 1, "chemotherapy", COURSE)
    follow = {**BASELINE, "ASSESS_DT": "2026-12-20", "ASSESS_TYPE": "RESPONSE", "ASSESS_NO": "1",
              "MIBG_DT": "2026-12-20", "CTMRI_DT": "2026-12-20", "BM_DT": "2026-12-20", "PRIM_LD_MM": "30",
              "PRIM_UPTAKE": "IMPROVED", "MET_NONTARGET": "ABSENT"}
    response = save(investigator, subject, "response", 1, "tumour_assessment", follow)
    assert response.evaluation.derived["PRIM_RESP"] == "PR"

    save(investigator, subject, "screening", 1, "tumour_assessment", {**BASELINE, "PRIM_LD_MM": "40"},
         reason_code="TRANSCRIPTION", reason_text="baseline diameter re-measured")
    db.expire_all()
    later = db.execute(select(FormInstance).where(FormInstance.event_key == "response")).scalar_one()
    derived = {v.field: v.value for v in later.values if v.derived}
    assert derived["PRIM_RESP"] == "SD"
    rederived = [e for e in ledger_entries(db, "crf.updated") if e.reason == "Re-derived after a change to an earlier assessment"]
    assert [e.record.instance for e in rederived] == ["response.1/tumour_assessment.1"]
    assert {"field": "PRIM_RESP", "old": "PR", "new": "SD"} in rederived[0].payload["derived"]


def test_the_response_timeline_charts_saved_assessments_and_infusions(investigator, make_subject, enrol, save, client, login):
    subject = enrol(make_subject(investigator, consent_date=CONSENTED), investigator)
    save(investigator, subject, "screening", 1, "tumour_assessment", BASELINE)
    save(investigator, subject, "chemo", 1, "chemotherapy", COURSE)
    save(investigator, subject, "infusion", 1, "nk_product", PRODUCT)
    save(investigator, subject, "infusion", 1, "infusion", INFUSION)
    save(investigator, subject, "response", 1, "tumour_assessment",
         {**BASELINE, "ASSESS_DT": "2026-12-20", "ASSESS_TYPE": "RESPONSE", "ASSESS_NO": "1", "MIBG_DT": "2026-12-20",
          "CTMRI_DT": "2026-12-20", "BM_DT": "2026-12-20", "PRIM_LD_MM": "30", "PRIM_UPTAKE": "IMPROVED",
          "MET_NONTARGET": "ABSENT"})
    login(client, investigator)
    page = client.get(f"/subjects/{subject.code}/timeline").get_data(as_text=True)
    assert "<svg" in page and "<polyline" in page
    assert "NK 1 on 2026-11-14" in page
    assert "<td>2026-12-20</td><td>Assessment 1</td>" in page and "<td>PR</td>" in page


def test_an_unreported_serious_event_appears_with_its_clock_on_the_safety_dashboard_and_home_pages(
    investigator, make_subject, enrol, save, make_user, client, login
):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    subject = enrol(make_subject(investigator, consent_date=CONSENTED), investigator)
    aware = (datetime.now(ZoneInfo("Asia/Tehran")) - timedelta(hours=30)).replace(tzinfo=None)
    onset = aware.date().isoformat()
    save(investigator, subject, "logs", 1, "adverse_event",
         {**AE, "AETERM": "Sepsis", "AETOXGR": "3", "AESTDTC": onset, "AEENDTC": "", "AEONGO": "Y", "AEOUT": "NOT_RECOVERED",
          "AESER": "Y", "AESHOSP": "Y", "AEHOSP_ADM_DT": onset, "AE_INF_NO": "", "SAE_AWARE_DTC": aware.strftime("%Y-%m-%d %H:%M")})
    monitor = make_user("monitor")
    login(client, monitor)
    dashboard = client.get("/safety/").get_data(as_text=True)
    assert f"{subject.code} AE #1" in dashboard and "OVERDUE by" in dashboard
    home = client.get("/").get_data(as_text=True)
    assert "Open SAE reports (24-hour clock)" in home and "OVERDUE" in home and "Sepsis" in home
