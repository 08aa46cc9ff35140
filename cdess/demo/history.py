"""The demo's history: the council's sessions of the past years, so that the dashboard's
trends per session and per year mean something.

Twice a year, on the days of the council's calendar (`COUNCIL_CALENDAR`), back five years
from the demo's past session, a session was convened, opened and closed; its files were
filed, checked, put on its agenda and voted on (granted, refused, deferred to the next one;
others declared not admissible before it); the labels granted got their certificate, were
renewed at their end, or ended; a few were suspended (then reinstated) or revoked by the
council on the secretariat's proposal. The five labels still valid today that predate the
demo's past session were granted at these sessions too (`decide_at_a_past_session`).

Bulk inserts, kept, where the services would cost seconds: the sessions' rows, the files,
their frozen assessments, ballots and certificates are written directly, and the journal's
entries for them chained here with the journal's own `audit.entry_hash`, at the days they
happened. The rules still decide: each result is scored by `charter.scoring` (a label only
on an eligible verified result), each vote counted by `sessions.rules` (the quorum at
opening and closing, the majority, the tie), each label's period by `clock.label_period`,
each number taken from the year's counter (`certificates.services.next_number`).
`check_demo_integrity` (the package's) says what would break a rule; the loader refuses
such data. The dates the services stamp today on the files that the scenario has decided at
past sessions are moved to those sessions' days (`on_its_day`, `_filed_before`).

Decided here:

- the history's structures have no account (their filers are named in the journal, without
  an id) and are drawn outside the 600 whose signatures the scenario makes; each signed the
  charter a month before its first file;
- a file's session keeps the calendar's deadline; its submission falls a few weeks before it;
- only labels that have ended by today are granted in the history (expired, or renewed and
  then expired, or revoked), so that today's valid labels stay the scenario's;
- the minutes and the certificates of the history are one-page placeholder PDFs that name
  the journal's head (the scenario renders the real ones for the past session); the ballots
  are rows, the journal records each vote's opening and close, not each ballot.
"""

import hashlib
import io
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, insert

from cdess.accounts.models import User
from cdess.applications import evidence, review
from cdess.applications import services as applications
from cdess.applications.models import (
    AnswerCheck,
    Application,
    CheckStage,
    CheckStatus,
    Document,
    Kind,
    State,
)
from cdess.assessments.models import Answer, Assessment, AssessmentStatus
from cdess.audit import services as audit
from cdess.audit.models import SCHEME, AuditAnchor, AuditEntry
from cdess.certificates import services as certificates
from cdess.certificates.models import (
    Certificate,
    CertificateProposal,
    ProposalAction,
    ProposalState,
    StatusChange,
)
from cdess.certificates.rules import CertificateStatus as Status
from cdess.charter import scoring
from cdess.charter import services as charter_services
from cdess.charter.models import CharterSignature
from cdess.clock import add_months, label_period
from cdess.credentials import services as credentials
from cdess.demo.data import SIGNER_ROLES
from cdess.demo.structures import person
from cdess.extensions import db
from cdess.sessions import rules as council_rules
from cdess.sessions import services as sessions
from cdess.sessions.models import (
    AgendaItem,
    Attendance,
    BallotReceipt,
    Choice,
    CouncilSession,
    ItemKind,
    Opinion,
    Proxy,
    SessionStatus,
    Vote,
    VoteStatus,
)
from cdess.storage import storage
from cdess.structures.models import Structure

YEARS = 5  # how far back the history goes from the demo's past session
GAP_MONTHS = 4  # the last history session falls at least so long before the past session
FILES_PER_SESSION = (6, 9)
# Outcomes of a session's files, drawn with these weights (a deferred file comes back).
OUTCOMES = (("granted", 62), ("refused", 10), ("deferred", 12), ("not_admissible", 16))
NOT_ADMISSIBLE = (
    "Le résultat vérifié ne respecte pas la charte : les statuts prévoient le partage des "
    "réserves entre les membres (LUC-01, critère éliminatoire)."
)
REFUSED = (
    "Le conseil estime que l'ancrage dans le département reste trop réduit pour le label ; il "
    "invite la structure à candidater de nouveau."
)
DEFERRED = "Le conseil attend les comptes de l'exercice clos pour se prononcer."
NAMES = {
    "statutes": "statuts.pdf",
    "minutes": "pv-assemblee-generale.pdf",
    "accounts": "comptes.pdf",
}
REPORT = {
    Opinion.favourable: "Le résultat vérifié respecte la charte ; la gouvernance associe les "
    "membres et les excédents restent dans le projet.",
    Opinion.reserved: "Le résultat vérifié respecte la charte, mais les comptes de l'exercice "
    "clos manquent pour apprécier la lucrativité limitée.",
    Opinion.unfavourable: "Le résultat vérifié atteint les seuils de la charte, mais "
    "l'activité dans le département reste très réduite.",
}
SUSPEND = (
    "Le procès-verbal de l'assemblée générale n'a pas été transmis depuis plus d'un an "
    "(GOV-03) : le secrétariat propose de suspendre le label."
)
REINSTATE = "L'assemblée générale s'est tenue et son procès-verbal a été transmis."
REVOKE = (
    "La structure a modifié ses statuts pour permettre la distribution des réserves (LUC-01, "
    "critère éliminatoire) : le secrétariat propose de retirer le label."
)


def local_time(day: date, at: time) -> datetime:
    """A wall-clock time of the département as the naive UTC time events are stored in."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def session_days(past_day: date, council_calendar) -> list[tuple[date, date]]:
    """(deadline, session day) of the council's calendar over the `YEARS` before the past
    session, the last at least `GAP_MONTHS` before it; oldest first."""
    start, end = add_months(past_day, -12 * YEARS), add_months(past_day, -GAP_MONTHS)
    days = []
    for year in range(start.year - 1, end.year + 1):
        for deadline, day in council_calendar:
            d, s = date.fromisoformat(f"{year}-{deadline}"), date.fromisoformat(f"{year}-{day}")
            if s < d:
                d = d.replace(year=year - 1)
            if start <= s <= end:
                days.append((d, s))
    return sorted(days, key=lambda pair: pair[1])


# --- the journal, chained at the days things happened ----------------------------------------


@dataclass
class Journal:
    """The history's entries, kept until `write` chains them after the journal's head in the
    order they happened, and the anchors (minutes, certificates) taken on the way."""

    entries: list[tuple] = field(default_factory=list)  # (at, n, row, anchor)
    certificates: dict = field(default_factory=dict)  # entry n → certificate

    def add(self, at, subject, action, actor=None, *, name="", anchor=None, **fields) -> int:
        kind, subject_id = subject.__audit_kind__, subject.id
        row = {
            "scheme": SCHEME,
            "subject_kind": kind,
            "subject_id": subject_id,
            "action": action,
            "from_state": _state(fields.get("from_state", "")),
            "to_state": _state(fields.get("to_state", "")),
            "actor_id": actor.id if actor is not None else None,
            "actor_name": actor.display_name if actor is not None else (name or audit.SYSTEM),
            "reason": fields.get("reason", ""),
            "detail": fields.get("detail", {}),
            "at": at,
        }
        n = len(self.entries)
        self.entries.append((at, n, row, anchor))
        return n

    def write(self) -> None:
        """Chain the entries after the head with `audit.entry_hash`, in time order; keep the
        anchors printed in the minutes (after the close) and on certificates (before their
        entry, as `certificates.services` takes it)."""
        head = audit.head()
        count, previous = head.count, head.hash
        rows, anchors = [], []
        for _at, n, row, anchor in sorted(self.entries, key=lambda e: (e[0], e[1])):
            if anchor is not None and anchor[0] == "certificate":
                certificate = self.certificates[n]
                certificate.snapshot = dict(
                    certificate.snapshot, journal={"count": count, "head": previous}
                )
                anchors.append(
                    {
                        "source": "certificate",
                        "reference": anchor[1],
                        "count": count,
                        "head": previous,
                        "at": row["at"],
                    }
                )
            entry = AuditEntry(**row, prev_hash=previous)
            sealed = audit.seal(entry)  # the salted digests of its names (scheme 3)
            row = dict(row, **sealed, prev_hash=previous, hash=audit.entry_hash(entry))
            rows.append(row)
            count, previous = count + 1, row["hash"]
            if anchor is not None and anchor[0] == "minutes":
                anchors.append(
                    {
                        "source": "minutes",
                        "reference": anchor[1],
                        "count": count,
                        "head": previous,
                        "at": row["at"],
                    }
                )
                anchor[2].minutes_pdf = _pdf(
                    f"Procès-verbal de la séance du {anchor[2].starts_at:%d/%m/%Y}",
                    f"Tête du journal : {previous}",
                    sealed=True,
                )
                anchor[2].minutes_sha256 = hashlib.sha256(anchor[2].minutes_pdf).hexdigest()
        db.session.execute(insert(AuditEntry), rows)
        db.session.execute(insert(AuditAnchor), anchors)
        db.session.flush()


def _state(value) -> str:
    return str(getattr(value, "value", value) or "")


def _pdf(title: str, subtitle: str, sealed: bool = False) -> bytes:
    from cdess.demo.scenario import demo_pdf  # the scenario imports this module
    from cdess.web import seal

    pdf = demo_pdf(title, subtitle)
    return seal.seal(pdf) if sealed else pdf  # certificates and minutes bear the seal


# --- the people and the files -----------------------------------------------------------------


@dataclass
class File:
    """One application of the history, as it went."""

    structure: Structure
    filer: str
    submitted: datetime
    outcomes: list[str]  # one per session it was examined at (deferred, then…)
    application: Application | None = None
    previous: "File | None" = None
    certificate: Certificate | None = None


class History:
    """Builds the history in the current transaction (see the module's docstring)."""

    def __init__(self, agent, president, past_day: date, today: date, *, pool: bool = True):
        # Repeatable demo data, no secret (a file decided later draws its own votes).
        self.rng = random.Random(5962 + past_day.toordinal() * (not pool))  # nosec B311
        self.agent, self.president, self.today = agent, president, today
        self.version = charter_services.published_version()
        self.charter = charter_services.scoring_charter(self.version)
        self.rules = sessions.current_rules()
        self.members = sessions.voting_members()
        self.names = {m.id: m.display_name for m in self.members}
        self.days = session_days(past_day, current_app.config["COUNCIL_CALENDAR"])
        self.journal = Journal()
        self.pool = self._structures() if pool else []
        self.sessions: list[CouncilSession] = []
        self.situations: dict[int, council_rules.Situation] = {}
        self.signed: set[int] = set()
        self.years = current_app.config["LABEL_VALIDITY_YEARS"]

    def _structures(self) -> list[Structure]:
        first = db.session.execute(db.select(func.min(Structure.id))).scalar_one()
        ids = list(
            db.session.execute(
                db.select(Structure.id).filter(Structure.id > first + 600).order_by(Structure.id)
            ).scalars()
        )
        chosen = self.rng.sample(ids, min(len(ids), 120))
        return list(
            db.session.execute(db.select(Structure).filter(Structure.id.in_(chosen))).scalars()
        )

    # --- sessions --------------------------------------------------------------------------

    def _session(self, deadline: date, day: date) -> CouncilSession:
        session = CouncilSession(
            starts_at=datetime.combine(day, time(14)),
            place=sessions.DEFAULT_PLACE,
            deadline=deadline,
            status=SessionStatus.closed,
            rules=self.rules.as_dict(),
            convened_at=local_time(day - timedelta(days=21), time(10)),
            opened_at=local_time(day, time(14, 5)),
            closed_at=local_time(day, time(16, 30)),
            secretary_id=self.members[1].id,
            created_at=local_time(deadline - timedelta(days=60), time(9)),
        )
        db.session.add(session)
        db.session.flush()
        voters = [m.id for m in self.members if m.id != self.president.id]
        present = {self.president.id, *self.rng.sample(voters, self.rng.randint(36, 46))}
        absent = [m for m in voters if m not in present]
        holders = self.rng.sample(sorted(present - {self.president.id}), 4)
        proxies = dict(zip(self.rng.sample(absent, 4), holders, strict=True))
        db.session.execute(
            insert(Attendance),
            [
                {"session_id": session.id, "user_id": m, "checked_in_at": session.opened_at}
                for m in sorted(present)
            ],
        )
        db.session.execute(
            insert(Proxy),
            [
                {
                    "session_id": session.id,
                    "giver_id": g,
                    "holder_id": h,
                    "recorded_at": session.convened_at,
                }
                for g, h in proxies.items()
            ],
        )
        self.situations[session.id] = council_rules.Situation(
            voters=set(self.names), president=self.president.id, present=present, proxies=proxies
        )
        j = self.journal
        j.add(
            session.created_at,
            session,
            "session_planned",
            self.agent,
            to_state="planned",
            detail={"starts_at": session.starts_at.isoformat(), "deadline": deadline.isoformat()},
        )
        j.add(
            session.convened_at,
            session,
            "session_convened",
            self.agent,
            from_state="planned",
            to_state="convened",
        )
        j.add(
            session.opened_at,
            session,
            "session_opened",
            self.agent,
            from_state="convened",
            to_state="open",
            detail={"secretary": self.names[session.secretary_id], "rules": session.rules},
        )
        j.add(
            session.closed_at,
            session,
            "session_closed",
            self.agent,
            from_state="open",
            to_state="closed",
            anchor=("minutes", str(session.id), session),
        )
        self.sessions.append(session)
        return session

    def vote(self, item: AgendaItem, outcome: str, at: datetime) -> council_rules.Tally:
        """Ballots drawn for `outcome`, counted by the council's rules (quorum at opening and
        closing, majority), the item closed with its result."""
        seen = self.situations[item.session_id]
        count = council_rules.quorum(self.rules, seen)
        if not count.reached:
            raise ValueError("quorum")  # never: the sessions above seat a majority
        ballots = council_rules.ballots(self.rules, seen)
        want = Choice.pour if outcome == "granted" else Choice.contre
        other = Choice.contre if want is Choice.pour else Choice.pour
        choices = {}
        for n, ballot in enumerate(ballots):
            if outcome == "deferred":
                choices[ballot.member] = (
                    (Choice.pour, Choice.contre)[n % 2] if n < 16 else (Choice.abstention)
                )
            else:
                r = self.rng.random()
                choices[ballot.member] = (
                    want if r < 0.78 else (other if r < 0.9 else (Choice.abstention))
                )
        secret = outcome == "deferred"  # a tie in a secret ballot defers
        tally = council_rules.tally(
            self.rules,
            {c: sum(1 for x in choices.values() if x is c) for c in Choice},
            secret=secret,
            president_choice=None if secret else choices.get(self.president.id),
            motion=item.kind is not ItemKind.application,
        )
        if tally.outcome.value != outcome:
            raise ValueError(f"vote drawn for {outcome}, counted {tally.outcome.value}")
        opened, closed = at, at + timedelta(minutes=6)
        holder = {b.member: b.holder for b in ballots}
        if secret:  # who voted, never what
            db.session.execute(
                insert(BallotReceipt), [{"item_id": item.id, "member_id": m} for m in choices]
            )
        else:
            db.session.execute(
                insert(Vote),
                [
                    {
                        "item_id": item.id,
                        "member_id": m,
                        "cast_by_id": holder[m],
                        "choice": c.name,
                        "at": opened + timedelta(minutes=2),
                    }
                    for m, c in choices.items()
                ],
            )
        record = {
            **count.as_dict(),
            "members": sorted(seen.voting),
            "represented_members": sorted(council_rules.represented(self.rules, seen)),
        }
        item.secret = secret
        item.vote_status, item.vote_opened_at, item.vote_closed_at = (
            VoteStatus.closed,
            opened,
            closed,
        )
        item.quorum_at_open = record
        if secret:
            item.secret_pour, item.secret_contre = tally.pour, tally.contre
            item.secret_abstention = tally.abstention
        item.casting_vote = tally.deciding_vote
        item.result = {
            "counts": {"pour": tally.pour, "contre": tally.contre, "abstention": tally.abstention},
            "outcome": tally.outcome.value,
            "explanation": tally.explanation,
            "quorum": count.as_dict(),
            "quorum_at_open": count.as_dict(),
            "quorum_at_close": count.as_dict(),
            "votes": []
            if secret
            else [
                {"member": self.names[m], "cast_by": self.names[holder[m]], "choice": c.value}
                for m, c in sorted(choices.items(), key=lambda mc: self.names[mc[0]])
            ],
            "recused": [],
        }
        return tally

    def _item(self, session, position, application=None, proposal=None) -> AgendaItem:
        opinion = self.rng.choice([Opinion.favourable] * 4 + [Opinion.reserved])
        item = AgendaItem(
            session_id=session.id,
            kind=ItemKind.proposal if proposal else ItemKind.application,
            application_id=application.id if application else proposal.certificate.application_id,
            proposal_id=proposal.id if proposal else None,
            position=position,
            rapporteur_id=self.rng.choice(
                [m for m in self.members if m.id != self.president.id]
            ).id,
            report=REPORT[opinion],
            opinion=opinion,
        )
        db.session.add(item)
        db.session.flush()
        return item

    def _approve_minutes(self, session, previous, day) -> None:
        item = AgendaItem(
            session_id=session.id,
            kind=ItemKind.minutes,
            approves_session_id=previous.id,
            position=1,
        )
        db.session.add(item)
        db.session.flush()
        at = local_time(day, time(14, 10))
        tally = self.vote(item, "granted", at)
        self._vote_journal(item, tally, at)
        previous.minutes_approved_at = item.vote_closed_at
        self.journal.add(
            item.vote_closed_at,
            previous,
            "minutes_approved",
            self.president,
            detail={"by_session": session.id},
        )

    def _vote_journal(self, item, tally, at):
        self.journal.add(
            at,
            item,
            "vote_opened",
            self.president,
            from_state="pending",
            to_state="open",
            detail={"secret": item.secret, "quorum": item.quorum_at_open},
        )
        self.journal.add(
            at + timedelta(minutes=6),
            item,
            "vote_closed",
            self.president,
            reason=tally.explanation,
            from_state="open",
            to_state=tally.outcome.value,
            detail={k: item.result[k] for k in ("counts", "quorum_at_open", "quorum_at_close")},
        )

    # --- files -----------------------------------------------------------------------------

    def _signature(self, structure: Structure, before: datetime) -> None:
        if structure.id in self.signed:
            return
        self.signed.add(structure.id)
        db.session.execute(
            insert(CharterSignature),
            [
                {
                    "structure_id": structure.id,
                    "version_id": self.version.id,
                    "signer_name": person(self.rng),
                    "signer_role": self.rng.choice(SIGNER_ROLES),
                    "signed_at": before - timedelta(days=30),
                    "status": "active",
                }
            ],
        )

    def _answers(self, family: str, eligible: bool) -> tuple[dict, dict]:
        """Answers and their result, drawn until the charter's scoring agrees."""
        from cdess.demo.scenario import _answer, _random_answers  # imports this module

        for _attempt in range(60):
            answers = _random_answers(self.rng, self.charter, self.rng.uniform(0.6, 0.9))
            for c in self.charter.criteria:
                if c.eliminatory:
                    answers[c.code] = _answer(self.rng, c, True)
            if not eligible:
                answers["LUC-01"] = False
            result = scoring.score(self.charter, family, answers)
            if result.eligible == eligible:
                return answers, result.as_dict()
        raise ValueError("no answers drawn")

    def _application(self, file: File, eligible: bool) -> Application:
        structure, family = file.structure, file.structure.family.value
        self._signature(structure, file.submitted)
        answers, result = self._answers(family, True)
        criteria = {c.code: c for c in self.version.criteria if c.applies_to(family)}
        started = file.submitted - timedelta(days=self.rng.randint(10, 40))
        assessment = Assessment(
            structure_id=structure.id,
            version_id=self.version.id,
            family=structure.family,
            status=AssessmentStatus.finished,
            created_at=started,
            updated_at=started,
            finished_at=started + timedelta(days=2),
            result=result,
            overall_score=result["overall"],
            eligible=result["eligible"],
        )
        db.session.add(assessment)
        db.session.flush()
        stored = {code: v for code, v in answers.items() if code in criteria}
        db.session.execute(
            insert(Answer),
            [
                {
                    "assessment_id": assessment.id,
                    "criterion_id": criteria[code].id,
                    "value": value,
                    "updated_at": started,
                }
                for code, value in stored.items()
            ],
        )
        verified_answers = dict(answers)
        if not eligible:  # the evidence says otherwise on an eliminatory criterion
            verified_answers["LUC-01"] = False
        verified = scoring.score(self.charter, family, verified_answers).as_dict()
        application = Application(
            structure_id=structure.id,
            kind=Kind.renewal if file.previous else Kind.new,
            state=State.submitted,
            assessment_id=assessment.id,
            snapshot={
                "assessment_id": assessment.id,
                "charter_version": self.version.number,
                "finished_at": assessment.finished_at.isoformat(),
                "result": result,
                "answers": stored,
            },
            verified_result=verified,
            created_at=started,
            updated_at=file.submitted,
            submitted_at=file.submitted,
            previous_id=file.previous.application.id if file.previous else None,
            checklist={
                key: {
                    "by": self.agent.display_name,
                    "at": (file.submitted + timedelta(days=7)).isoformat(),
                }
                for key in review.MANUAL
            },
        )
        db.session.add(application)
        db.session.flush()
        checked = file.submitted + timedelta(days=7)
        db.session.execute(
            insert(AnswerCheck),
            [
                {
                    "application_id": application.id,
                    "criterion_code": code,
                    "status": (
                        CheckStatus.corrected
                        if code == "LUC-01" and not eligible
                        else CheckStatus.confirmed
                    ).name,
                    "stage": CheckStage.secretariat.name,
                    "value": False if code == "LUC-01" and not eligible else None,
                    "reason": NOT_ADMISSIBLE if code == "LUC-01" and not eligible else "",
                    "checked_by_id": self.agent.id,
                    "checked_by_name": self.agent.display_name,
                    "checked_at": checked,
                }
                for code in stored
            ],
        )
        self._documents(application, file)
        self.journal.add(
            file.submitted,
            application,
            "submit",
            name=file.filer,
            from_state=State.draft,
            to_state=State.submitted,
        )
        file.application = application
        return application

    def _documents(self, application: Application, file: File) -> None:
        rows = []
        for slot in evidence.slots(application):
            content = _pdf(slot.label[:60], file.structure.name)
            stored_name = secrets.token_hex(16)
            storage().put(stored_name, io.BytesIO(content), sync=False)  # made again at will
            rows.append(
                {
                    "application_id": application.id,
                    "kind": slot.kind.name,
                    "criterion_code": slot.criterion_code,
                    "title": "",
                    "original_name": NAMES.get(slot.kind.value)
                    or f"justificatif-{slot.criterion_code.lower()}.pdf",
                    "stored_name": stored_name,
                    "content_type": "application/pdf",
                    "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "uploaded_by_id": None,
                    "uploaded_at": file.submitted - timedelta(days=1),
                }
            )
        db.session.execute(insert(Document), rows)

    def _move(self, application, at, name, source, target, actor, reason=""):
        application.state = target
        application.revision += 1
        application.updated_at = at
        self.journal.add(
            at, application, name, actor, from_state=source, to_state=target, reason=reason
        )

    def _certify(self, file: File, day: date) -> Certificate:
        application = file.application
        self._move(
            application,
            local_time(day, time(11)),
            "certify",
            State.granted,
            State.certified,
            self.agent,
        )
        application.label_valid_from, application.label_valid_until = label_period(day, self.years)
        issued_at = local_time(day, time(11, 5))
        sequence, number = certificates.next_number(day.year)
        db.session.flush()
        data = certificates.snapshot(application, number, issued_at)
        badge = credentials.prepare(data)  # its Open Badges credential, as an issue signs one
        pdf = _pdf(f"Certificat {number}", file.structure.name, sealed=True)
        certificate = Certificate(
            number=number,
            year=day.year,
            sequence=sequence,
            application_id=application.id,
            structure_id=application.structure_id,
            status=Status.valid,
            valid_from=application.label_valid_from,
            valid_until=application.label_valid_until,
            issued_at=issued_at,
            updated_at=issued_at,
            issued_by_id=self.agent.id,
            snapshot=data,
            pdf=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
        certificate.history.append(
            StatusChange(
                from_status="",
                to_status=Status.valid.value,
                reason="Certificat délivré.",
                decided_on=day,
                at=issued_at,
                actor_id=self.agent.id,
                actor_name=self.agent.display_name,
            )
        )
        db.session.add(certificate)
        credentials.record(certificate, badge)
        db.session.flush()
        n = self.journal.add(
            issued_at,
            certificate,
            "certificate_issued",
            self.agent,
            to_state=Status.valid,
            anchor=("certificate", number),
            detail={
                "number": number,
                "application": application.id,
                "valid_until": application.label_valid_until.isoformat(),
                "sha256": certificate.sha256,
            },
        )
        self.journal.certificates[n] = certificate
        file.certificate = certificate
        return certificate

    def _change(self, certificate, status, on: date, reason="", item=None) -> None:
        at = local_time(on, time(16)) if item else local_time(on, time(2))
        actor = self.president if item else None
        certificate.history.append(
            StatusChange(
                from_status=certificate.status.value,
                to_status=status.value,
                reason=reason or "Fin de validité du label.",
                decided_on=on,
                at=at,
                actor_id=actor.id if actor else None,
                actor_name=actor.display_name if actor else audit.SYSTEM,
                item_id=item.id if item else None,
            )
        )
        self.journal.add(
            at,
            certificate,
            "status_changed" if item else "expired",
            actor,
            reason=reason,
            from_state=certificate.status,
            to_state=status,
            detail={"decided_on": on.isoformat(), "agenda_item": item.id, "urgent": False}
            if item
            else {},
        )
        certificate.status, certificate.status_date, certificate.updated_at = status, on, at
        certificate.status_reason = reason

    # --- the story -------------------------------------------------------------------------

    def build(self) -> None:
        waiting: list[File] = []  # deferred files, back at the next session
        labels: list[File] = []  # granted, certified
        pool = iter(self.pool)
        for index, (deadline, day) in enumerate(self.days):
            session = self._session(deadline, day)
            last = index == len(self.days) - 1
            files = waiting
            waiting = []
            # A label granted from here on would still be valid today: fewer files, none
            # granted, no renewal filed (today's labels are the scenario's).
            recent = label_period(day, self.years)[1] >= self.today - timedelta(days=31)
            for _ in range(self.rng.randint(*((2, 3) if recent else FILES_PER_SESSION))):
                structure = next(pool)
                submitted = local_time(deadline - timedelta(days=self.rng.randint(3, 40)), time(10))
                outcome = self.rng.choices(*zip(*OUTCOMES[recent:], strict=True))[0]
                files.append(File(structure, person(self.rng), submitted, [outcome]))
            # Renewals of the labels ending before the next session (filed before this one).
            for label in labels:
                ends = label.certificate.valid_until
                if (
                    not recent
                    and label.certificate.status is Status.valid
                    and day <= ends
                    and add_months(day, 6) > ends
                    and label.outcomes[-1] != "renewed"
                ):
                    label.outcomes.append("renewed")
                    renewal = File(
                        label.structure,
                        label.filer,
                        local_time(deadline - timedelta(days=10), time(10)),
                        ["granted"],
                        previous=label,
                    )
                    files.append(renewal)
            position = 0
            if index:  # the first item: the approval of the previous session's minutes
                position = 1
                self._approve_minutes(session, self.sessions[index - 1], day)
            for file in files:
                outcome = file.outcomes[-1]
                start = day + timedelta(days=self.rng.randint(10, 25))
                if file.previous is not None:  # the new label takes over at the old's end
                    start = max(start, file.previous.certificate.valid_until + timedelta(days=1))
                ends = label_period(start, self.years)[1]
                if outcome == "granted" and ends >= self.today - timedelta(days=31):
                    outcome = file.outcomes[-1] = self.rng.choice(["refused", "deferred"])
                if outcome == "deferred" and last:
                    outcome = file.outcomes[-1] = "refused"
                if file.application is None:
                    self._application(file, eligible=outcome != "not_admissible")
                application = file.application
                checked = file.submitted + timedelta(days=7)
                if outcome == "not_admissible":
                    self._move(
                        application,
                        checked,
                        "declare_not_admissible",
                        State.submitted,
                        State.not_admissible,
                        self.agent,
                        NOT_ADMISSIBLE,
                    )
                    continue
                if application.state is State.submitted:
                    self._move(
                        application,
                        checked,
                        "declare_admissible",
                        State.submitted,
                        State.admissible,
                        self.agent,
                    )
                source = application.state
                self._move(
                    application,
                    local_time(deadline + timedelta(days=5), time(9)),
                    "schedule",
                    source,
                    State.scheduled,
                    self.agent,
                )
                application.session_id = session.id
                position += 1
                item = self._item(session, position, application=application)
                at = local_time(day, time(14, 10)) + timedelta(minutes=8 * position)
                tally = self.vote(item, outcome, at)
                self._vote_journal(item, tally, at)
                target = {
                    "granted": State.granted,
                    "refused": State.refused,
                    "deferred": State.deferred,
                }[outcome]
                name = {"granted": "grant", "refused": "refuse", "deferred": "defer"}[outcome]
                reason = {"refused": REFUSED, "deferred": DEFERRED}.get(outcome, "")
                self._move(
                    application,
                    at + timedelta(minutes=6),
                    name,
                    State.scheduled,
                    target,
                    self.president,
                    reason,
                )
                if outcome == "deferred":
                    file.outcomes.append(self.rng.choice(["granted"] * 3 + ["refused"]))
                    waiting.append(file)
                elif outcome == "granted":
                    self._certify(file, start)
                    labels.append(file)
            self._proposals(session, day, labels, position)
        self._expire(labels)
        db.session.flush()
        self.journal.write()

    def _proposals(self, session, day, labels, position) -> None:
        """On the secretariat's proposal, answered by the structure: a suspension at the third
        session, lifted at the fourth, and a revocation at the sixth."""
        index = self.sessions.index(session)
        standing = [
            f
            for f in labels
            if f.certificate.status in (Status.valid, Status.suspended)
            and f.certificate.valid_from < day < f.certificate.valid_until
        ]
        plans = {
            2: [(ProposalAction.suspend, SUSPEND)],
            3: [(ProposalAction.reinstate, REINSTATE)],
            5: [(ProposalAction.revoke, REVOKE)],
        }
        for action, report in plans.get(index, []):
            wanted = Status.suspended if action is ProposalAction.reinstate else Status.valid
            # The oldest standing label is suspended; the latest one granted is revoked.
            order = reversed(standing) if action is ProposalAction.revoke else standing
            target = next((f for f in order if f.certificate.status is wanted), None)
            if target is None:
                continue
            created = local_time(day - timedelta(days=45), time(10))
            proposal = CertificateProposal(
                certificate_id=target.certificate.id,
                action=action,
                state=ProposalState.decided,
                report=report,
                created_by_id=self.agent.id,
                created_by_name=self.agent.display_name,
                created_at=created,
                answer="La structure a transmis ses observations écrites au secrétariat.",
                answered_by_name=target.filer,
                answered_at=created + timedelta(days=15),
            )
            db.session.add(proposal)
            db.session.flush()
            position += 1
            item = self._item(session, position, proposal=proposal)
            at = local_time(day, time(14, 10)) + timedelta(minutes=8 * position)
            tally = self.vote(item, "granted", at)
            self._vote_journal(item, tally, at)
            status = {
                ProposalAction.suspend: Status.suspended,
                ProposalAction.reinstate: Status.valid,
                ProposalAction.revoke: Status.revoked,
            }[action]
            reason = f"Décision du conseil du {day:%d/%m/%Y} : {report}"  # as the service says
            self._change(target.certificate, status, day, reason, item)

    def _expire(self, labels) -> None:
        """The daily command, on the day after each label's end: valid ones expire."""
        for file in labels:
            certificate = file.certificate
            if certificate.status is Status.valid and certificate.valid_until < self.today:
                self._change(
                    certificate, Status.expired, certificate.valid_until + timedelta(days=1)
                )


def create_history(agent: User, president: User, past_day: date, today: date) -> list:
    """The council's past sessions, their files and labels (see the module's docstring);
    returns the sessions, oldest first (none without a published charter)."""
    if charter_services.published_version() is None:
        return []
    history = History(agent, president, past_day, today)
    history.build()
    return history.sessions


def _filed_before(application: Application, session: CouncilSession) -> None:
    """A file the services filed today, decided at a past session: filed before its deadline."""
    filed = local_time(session.deadline - timedelta(days=20), time(10))
    if application.submitted_at is None or application.submitted_at > filed:
        application.submitted_at = filed
        application.created_at = min(application.created_at, filed - timedelta(days=30))


def on_its_day(session: CouncilSession) -> None:
    """The dates of a past session run today by the services (`live` stamps now), moved to its
    day: each vote in the afternoon, in the agenda's order, its ballots within it; its files
    filed before its deadline. Dates only: the states and the journal stay as they were made."""
    day = session.starts_at.date()
    for n, item in enumerate(sorted(session.items, key=lambda i: i.position)):
        opened = local_time(day, time(14, 10)) + timedelta(minutes=8 * n)
        item.vote_opened_at, item.vote_closed_at = opened, opened + timedelta(minutes=6)
        for vote in item.votes:
            vote.at = opened + timedelta(minutes=2)
        if item.kind is ItemKind.application and item.application is not None:
            _filed_before(item.application, session)
    db.session.flush()


def decide_at_a_past_session(
    application: Application, agent: User, president: User, start: date
) -> None:
    """A label still valid today that predates the demo's past session: put on the agenda of
    the last history session before `start` (its certificate's first day) and granted by its
    vote — the transitions through `applications.transition`, the vote counted by the
    council's rules as the history's."""
    session = db.session.execute(
        db.select(CouncilSession)
        .filter(
            CouncilSession.status == SessionStatus.closed,
            CouncilSession.starts_at < datetime.combine(start, time(0)),
        )
        .order_by(CouncilSession.starts_at.desc())
        .limit(1)
    ).scalar_one()
    applications.transition(application, "schedule", agent)
    application.session_id = session.id
    _filed_before(application, session)
    history = History(agent, president, session.starts_at.date(), date.today(), pool=False)
    history.rules = sessions.session_rules(session)
    present = set(
        db.session.execute(db.select(Attendance.user_id).filter_by(session_id=session.id)).scalars()
    )
    proxies = dict(
        db.session.execute(
            db.select(Proxy.giver_id, Proxy.holder_id).filter_by(session_id=session.id)
        ).all()
    )
    history.situations[session.id] = council_rules.Situation(
        voters=set(history.names), president=president.id, present=present, proxies=proxies
    )
    position = (
        db.session.execute(
            db.select(func.max(AgendaItem.position)).filter_by(session_id=session.id)
        ).scalar_one()
        or 0
    )
    item = history._item(session, position + 1, application=application)
    at = local_time(session.starts_at.date(), time(16, 10))
    tally = history.vote(item, "granted", at)
    audit.record(
        item,
        "vote_closed",
        president,
        reason=tally.explanation,
        from_state="open",
        to_state=tally.outcome.value,
        detail={k: item.result[k] for k in ("counts", "quorum_at_open", "quorum_at_close")},
    )
    applications.transition(application, "grant", president)
