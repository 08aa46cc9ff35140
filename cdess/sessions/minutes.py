"""The minutes (procès-verbal) of a closed session, as a PDF written once at closing.

Attendance counts the members who came at some moment of the session, voting and consultative
members apart; a voting member who never came is represented when the holder of their proxy
came, and the proxy is inactive otherwise. Each item says its quorum when its vote opened and
when it closed, and the votes annulled on it for want of a quorum."""

import hashlib

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import defer, selectinload

from cdess.applications import verification
from cdess.applications.models import CheckStatus
from cdess.audit import services as audit
from cdess.extensions import db
from cdess.sessions import services
from cdess.sessions.models import (
    AgendaItem,
    Arrival,
    Choice,
    CouncilSession,
    ItemKind,
    SessionStatus,
)
from cdess.sessions.rules import inactive_proxies
from cdess.web import seal
from cdess.web.formats import LEGAL_LOCALE
from cdess.web.pdf import render_pdf


def _quorum(data: dict | None) -> dict | None:
    """A stored quorum as the minutes print it (older results lack some numbers)."""
    if not data:
        return None
    return {
        "present_or_represented": data.get("present_or_represented", 0),
        "eligible": data.get("eligible", 0),
        "required": data.get("required", 0),
    }


def _verified(application) -> dict | None:
    verified = application.verified_result or {}
    if not verified:
        return None
    corrected = [c for c in application.checks if c.status is CheckStatus.corrected]
    return {
        "overall": verified.get("overall"),
        "eligible": bool(verified.get("eligible")),
        "principles": [
            {"title": p["title"], "score": p["score"]} for p in verified.get("principles", [])
        ],
        "obstacles": verification.verified_obstacles(application),
        "corrected": [c.criterion_code for c in corrected],
    }


def item_data(item: AgendaItem, president: int | None) -> dict:
    """What the minutes say of one agenda item, as plain data: the one place to extend for
    other kinds of items (`president`: the president's id, read once for the agenda)."""
    application, result = item.application, item.result or {}
    structure = application.structure if application else None
    file = item.kind is ItemKind.application
    proposal = item.proposal
    # The ballots entered by whoever presided (paper, show of hands), marked as such.
    entered = {
        (v.member.display_name, v.cast_by.display_name): entered_label(v.entered_by_id, president)
        for v in item.votes
        if v.entered_by_id is not None and not item.secret
    }
    return {
        "position": item.position,
        "kind": item.kind.value,
        "structure": item.subject,
        "identifier": (structure.siret or structure.rna or structure.siren or "")
        if structure
        else "",
        "family": structure.family.label if structure and structure.family else "",
        "proposal": {
            "certificate": proposal.certificate.number,
            "report": proposal.report,
            "answer": proposal.answer,
        }
        if proposal
        else None,
        "rapporteur": item.rapporteur.display_name if item.rapporteur else "—",
        "opinion": item.opinion.label if item.opinion else "—",
        "report": item.report,
        "verified": _verified(application) if file else None,
        "secret": item.secret,
        "recused": result.get("recused", []),
        # Results closed before the quorum was recorded at opening keep only the closing one.
        "quorum_at_open": _quorum(result.get("quorum_at_open")),
        "quorum_at_close": _quorum(result.get("quorum_at_close") or result.get("quorum")),
        "annulments": [
            {
                "at": a.at,
                "by": a.by_name,
                "opened_at": a.vote_opened_at,
                "quorum_at_open": _quorum(a.quorum_at_open),
                "quorum_at_close": _quorum(a.quorum_at_close),
                "left": a.left,
                "unrepresented": a.unrepresented,
                "ballots": a.ballots,
            }
            for a in item.annulments
        ],
        "counts": result.get("counts", {}),
        "outcome": item.decision_label if item.kind.voted else "point d'information, sans vote",
        "explanation": result.get("explanation", ""),
        "casting_vote": item.casting_vote.label if item.casting_vote else None,
        "votes": [
            {
                **vote,
                "choice": Choice(vote["choice"]).label,
                "entered": entered.get((vote["member"], vote["cast_by"]), ""),
            }
            for vote in result.get("votes", [])
        ],
    }


def _attendance(session: CouncilSession) -> tuple[list[dict], list[dict]]:
    """Every member convened, with their presence, and the session's proxies."""
    arrivals = {
        a.user_id: a
        for a in db.session.execute(db.select(Arrival).filter_by(session_id=session.id)).scalars()
    }
    present_at_close = {a.user_id for a in session.attendance}
    came = set(arrivals) | present_at_close  # rows kept from before arrivals were recorded
    proxies = {p.giver_id: p for p in session.proxies}
    inactive = inactive_proxies({g: p.holder_id for g, p in proxies.items()}, came)
    members = []
    for member in services.council_members():
        proxy = proxies.get(member.id)
        arrival = arrivals.get(member.id)
        members.append(
            {
                "name": member.display_name,
                "college": member.college.name if member.college else "",
                "voting": member.voting_right,
                "present": member.id in came,
                "left_at": arrival.left_at
                if arrival is not None and member.id not in present_at_close
                else None,
                "represented_by": proxy.holder.display_name
                if proxy is not None
                and member.voting_right
                and member.id not in came
                and member.id not in inactive
                else None,
                "inactive_proxy_to": proxy.holder.display_name
                if proxy is not None and member.id in inactive and member.id not in came
                else None,
            }
        )
    listed = [
        {
            "giver": p.giver.display_name,
            "holder": p.holder.display_name,
            "inactive": p.giver_id in inactive,
        }
        for p in sorted(proxies.values(), key=lambda p: p.giver.display_name)
    ]
    return members, listed


def data(session: CouncilSession) -> dict:
    """Everything the minutes say, as plain data."""
    members, proxies = _attendance(session)
    voting = [m for m in members if m["voting"]]
    consultative = [m for m in members if not m["voting"]]
    president = services.president()
    return {
        "council": current_app.config["COUNCIL_NAME"],
        "departement": current_app.config["DEPARTEMENT_NAME"],
        "starts_at": session.starts_at,
        "opened_at": session.opened_at,
        "closed_at": session.closed_at,
        "place": session.place,
        "video_link": session.video_link,
        "rules": session.rules or {},
        "members": members,
        "voting_count": len(voting),
        "present_count": sum(m["present"] for m in voting),
        "represented_count": sum(bool(m["represented_by"]) for m in voting),
        "consultative_count": len(consultative),
        "consultative_present_count": sum(m["present"] for m in consultative),
        "proxies": proxies,
        "inactive_proxies": [p for p in proxies if p["inactive"]],
        "agenda": [item_data(item, president.id if president else None) for item in session.items],
        "president": president.display_name if president else "",
        "secretary": session.secretary.display_name if session.secretary else "",
    }


def write(session: CouncilSession) -> bytes:
    """The minutes PDF, with the journal's head at the close: an anchor kept beside it;
    sealed with the Département's seal, and stored and hashed as sealed."""
    kept = audit.anchor("minutes", str(session.id))
    with force_locale(LEGAL_LOCALE):  # a legal record: French, whoever closes the session
        content = data(session) | {"journal": {"count": kept.count, "head": kept.head}}
        pdf = seal.seal(render_pdf("sessions/minutes_pdf.html", minutes=content))
    session.minutes_pdf = pdf
    session.minutes_sha256 = hashlib.sha256(pdf).hexdigest()
    db.session.flush()
    return pdf


def past_sessions(limit: int = 20) -> list[CouncilSession]:
    """The closed sessions, latest first, for the members' space (their minutes' PDF left
    unloaded: the page links to it)."""
    return list(
        db.session.execute(
            db.select(CouncilSession)
            .filter(CouncilSession.status == SessionStatus.closed)
            .options(
                defer(CouncilSession.minutes_pdf),
                selectinload(CouncilSession.items).load_only(AgendaItem.id),  # counted
            )
            .order_by(CouncilSession.starts_at.desc())
            .limit(limit)
        ).scalars()
    )


def entered_label(entered_by_id: int | None, president_id: int | None) -> str:
    """How a ballot entered for a member (paper or show of hands) is marked, or ""."""
    if entered_by_id is None:
        return ""
    if entered_by_id == president_id:
        return _("saisi par le président")
    return _("saisi par le secrétariat")
