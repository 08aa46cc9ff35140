"""The minutes (procès-verbal) of a closed session, as a PDF written once at closing."""

import hashlib

from flask import current_app

from cdess.applications import verification
from cdess.applications.models import CheckStatus
from cdess.extensions import db
from cdess.sessions import services
from cdess.sessions.labels import CHOICE, OPINION
from cdess.sessions.models import Choice, CouncilSession
from cdess.web.pdf import render_pdf

OUTCOMES = {"granted": "label attribué", "refused": "label refusé", "deferred": "ajourné"}


def data(session: CouncilSession) -> dict:
    """Everything the minutes say, as plain data."""
    present = {a.user_id for a in session.attendance}
    holders = {p.giver_id: p.holder for p in session.proxies}
    members = []
    for member in services.council_members():
        holder = holders.get(member.id)
        members.append(
            {
                "name": member.display_name,
                "college": member.college.name if member.college else "",
                "voting": member.voting_right,
                "present": member.id in present,
                "represented_by": holder.display_name
                if holder is not None and member.id not in present and holder.id in present
                else None,
            }
        )
    president = services.president()
    items = []
    for item in session.items:
        application, result = item.application, item.result or {}
        structure = application.structure
        verified = application.verified_result or {}
        corrected = [c for c in application.checks if c.status is CheckStatus.corrected]
        items.append(
            {
                "position": item.position,
                "structure": structure.name,
                "identifier": structure.siret or structure.rna or structure.siren or "",
                "family": structure.family.label if structure.family else "",
                "rapporteur": item.rapporteur.display_name if item.rapporteur else "—",
                "opinion": str(OPINION[item.opinion]) if item.opinion else "—",
                "report": item.report,
                "verified": {
                    "overall": verified.get("overall"),
                    "eligible": bool(verified.get("eligible")),
                    "principles": [
                        {"title": p["title"], "score": p["score"]}
                        for p in verified.get("principles", [])
                    ],
                    "obstacles": verification.verified_obstacles(application),
                    "corrected": [c.criterion_code for c in corrected],
                }
                if verified
                else None,
                "secret": item.secret,
                "recused": result.get("recused", []),
                "quorum": result.get("quorum", {}),
                "counts": result.get("counts", {}),
                "outcome": OUTCOMES.get(result.get("outcome"), "—"),
                "explanation": result.get("explanation", ""),
                "casting_vote": str(CHOICE[item.casting_vote]) if item.casting_vote else None,
                "votes": [
                    {**vote, "choice": str(CHOICE[Choice(vote["choice"])])}
                    for vote in result.get("votes", [])
                ],
            }
        )
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
        "voting_count": sum(m["voting"] for m in members),
        "present_count": sum(m["present"] for m in members),
        "represented_count": sum(bool(m["represented_by"]) for m in members),
        "proxies": [
            {"giver": p.giver.display_name, "holder": p.holder.display_name}
            for p in session.proxies
        ],
        "agenda": items,
        "president": president.display_name if president else "",
    }


def write(session: CouncilSession) -> bytes:
    pdf = render_pdf("sessions/minutes_pdf.html", minutes=data(session))
    session.minutes_pdf = pdf
    session.minutes_sha256 = hashlib.sha256(pdf).hexdigest()
    db.session.flush()
    return pdf
