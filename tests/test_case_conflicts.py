"""A village offline acts on a case that has moved on meanwhile.

The agent records the resident's withdrawal (退件) while the village is offline;
the township has already approved the case.  The hub keeps the withdrawal in
the village's log (the chain and every later event go on) without applying
it, and says so; the village then shows the decision, and that the withdrawal
did not take effect, and its next filing reaches the hub as usual.
"""

from __future__ import annotations

from cli import station as station_cli
from test_gui_review import file_temporary_aid

from station.cases import case_state
from station.casework import delivery, progress, review
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork, start_hubs
from station.network import link
from station.store.models import Event, SyncEnvelope
from sync import lifecycle


def test_a_withdrawal_after_the_decision_is_kept_not_applied_and_blocks_nothing(
        net: DemoNetwork) -> None:
    start_hubs(net)
    case_no = file_temporary_aid(net).case_no  # 临时救助: the township decides
    with net.open(net.township, "mzqf") as signer:
        review.claim(signer, case_no)
        review.accept(signer, case_no, "材料齐全，予以受理。")
        review.decide(signer, case_no, True, "经审核，准予批准。")

    with net.open(net.village) as village:
        # Offline: the village still sees the case waiting, so its own check lets it go.
        assert case_state.refresh(village, case_no).state == lifecycle.QUEUED
        delivery.withdraw(village, case_no, "申请人外出务工，不再申请", sync=False)
        report = link.sync_once(village)  # no error: the push is not refused
        assert [(c["case_no"], c["type"], c["state"]) for c in report.conflicts] == [
            (case_no, lifecycle.WITHDRAWN_EVENT, lifecycle.DECIDED)]
        view = case_state.refresh(village, case_no)
        assert view.state == lifecycle.DECIDED and view.outcome == "approved"
        status = progress.status(village, case_no)
        assert [(n["type"], n["state"]) for n in status["not_applied"]] == [
            (lifecycle.WITHDRAWN_EVENT, lifecycle.DECIDED)]
        # The resident can still receive the decision: delivery is allowed.
        delivery.deliver(village, case_no, sync=False)

        withdrawal = Event.get((Event.case_no == case_no)
                               & (Event.type == lifecycle.WITHDRAWN_EVENT))
        raw = bytes(SyncEnvelope.get_by_id(withdrawal.seq).envelope)
        client = link.client_for(village)
        link.connect(village, client)
        # Sent again (the first answer lost on the way): the hub says so again.
        again = client.push([raw])
        assert again.duplicates == 1
        assert [c["seq"] for c in again.conflicts] == [withdrawal.seq]

        later = demo_network.file_samples(net, village, 1)[0].case_no
        link.sync_once(village)
        last = Event.select().order_by(Event.seq.desc()).get().seq
        assert int(client.node_head(village.node.code)["high_water"]) == last, \
            "every later event reached the hub"

    with net.open(net.township, "mz") as desk:
        queue = {row["case_no"]: row for row in review.desk(desk)}
        assert later in queue and case_no not in queue

    shown = station_cli("case", "status", case_no, "--data", net.village.data,
                        env={"STATION_PASSPHRASE": net.passphrase})
    assert shown.code == 0, shown.err
    assert "“申请人撤回（退件）”未生效：办件当时已处于“已决定”" in shown.out, shown.out
