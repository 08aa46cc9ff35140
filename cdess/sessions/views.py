"""Sessions: the secretariat's planning and agenda, the council's rules, the members' space."""

from collections.abc import Callable
from datetime import date, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cdess import signals
from cdess.accounts.models import User
from cdess.applications import verification
from cdess.applications.models import Application, CheckStatus
from cdess.applications.permissions import can_verify_answers
from cdess.extensions import db
from cdess.jobs import services as jobs
from cdess.jobs.models import JobKind
from cdess.jobs.views import follow
from cdess.sessions import convocation, live, queries, services
from cdess.sessions import rules as council_rules
from cdess.sessions.forms import ReportForm, RulesForm, SessionForm
from cdess.sessions.models import (
    AgendaItem,
    Choice,
    CouncilSession,
    ItemKind,
    Opinion,
    SessionStatus,
)
from cdess.sessions.permissions import (
    can_cast_deciding_vote,
    can_check_in,
    can_export_votes,
    can_plan_sessions,
    can_preside,
    can_sit,
    can_vote,
    can_write_report,
    is_council_member,
)
from cdess.web import spreadsheet
from cdess.web.formats import wallclock
from cdess.web.navigation import add_entry
from cdess.web.permissions import permission_required, require
from cdess.web.queries import form_int

bp = Blueprint("sessions", __name__)
add_entry(bp, "sessions.index", _l("Séances"), can_plan_sessions, order=90)
add_entry(bp, "sessions.members", _l("Espace du conseil"), is_council_member, order=120)
bp.add_app_template_global(can_export_votes, "can_export_votes")


# A session's time as the council set it: local wall-clock time, stored without a zone (never
# shifted like the UTC timestamps of events), in the reader's locale.
bp.add_app_template_filter(wallclock, "wallclock")


def _session(session_id: int) -> CouncilSession:
    return db.get_or_404(CouncilSession, session_id)


def _item(item_id: int) -> AgendaItem:
    return db.get_or_404(AgendaItem, item_id)


def _member_id() -> int | None:
    """The member a live-session form acts for: oneself, or the one it names (None when that
    is not a row id: refused, never taken for oneself)."""
    return form_int("member_id") if request.form.get("member_id") else current_user.id


def _done(message: str, target: str, anchor: str | None = None):
    flash(message, "success")
    return redirect(target + (f"#{anchor}" if anchor else ""))


def _refused(error: Exception, target: str):
    db.session.rollback()
    flash(str(error), "error")
    return redirect(target)


REFUSALS = (services.SessionError, services.workflow.TransitionError)


def _perform(action: Callable[[], object], target: str, done=None):
    """One service call from a button: refused, nothing of it is kept and the reason is shown;
    done, it is committed, then `done` (a message, or a function of the action's result that
    may send the emails and returns the message) and back to `target`."""
    try:
        result = action()
    except REFUSALS as error:
        return _refused(error, target)
    db.session.commit()
    message = done(result) if callable(done) else done
    if message:
        flash(message, "success")
    return redirect(target)


# --- planning (secretariat) -------------------------------------------------------------------


@bp.get("/seances")
@permission_required(can_plan_sessions)
def index(form: SessionForm | None = None, status: int = 200):
    return render_template(
        "sessions/index.html",
        sessions=queries.all_sessions(),
        form=form or SessionForm(formdata=None),
        year=date.today().year + (1 if date.today().month > 10 else 0),
    ), status


def _session_values(form: SessionForm) -> tuple | None:
    if not form.validate():
        return None
    start = form.start_time()
    if start is None:
        return None
    return (
        datetime.combine(form.day.data, start),
        form.deadline.data,
        form.place.data or "",
        form.video_link.data or "",
    )


@bp.post("/seances")
@permission_required(can_plan_sessions)
def create():
    form = SessionForm()
    values = _session_values(form)
    if values is None:
        return index(form, 400)
    try:
        session = services.create_session(*values[:4], actor=current_user)
    except services.SessionError as error:
        db.session.rollback()
        form.deadline.errors.append(str(error))
        return index(form, 400)
    db.session.commit()
    return _done(_("Séance créée."), url_for("sessions.show", session_id=session.id))


@bp.post("/seances/calendrier")
@permission_required(can_plan_sessions)
def calendar():
    year = form_int("year")
    if year is None or not 2000 <= year <= 2100:
        abort(400)
    created = services.default_calendar(year, current_user)
    db.session.commit()
    return _done(
        _("%(n)s séance(s) ajoutée(s) pour %(y)s.", n=len(created), y=year),
        url_for("sessions.index"),
    )


@bp.get("/seances/<int:session_id>")
@permission_required(can_plan_sessions)
def show(session_id: int, form: SessionForm | None = None, status: int = 200):
    session = queries.agenda(session_id) or abort(404)
    if form is None:
        form = SessionForm(
            formdata=None,
            day=session.starts_at.date(),
            start=session.starts_at.strftime("%H:%M"),
            deadline=session.deadline,
            place=session.place,
            video_link=session.video_link,
        )
    preparing = session.status in (SessionStatus.planned, SessionStatus.convened)
    return render_template(
        "sessions/show.html",
        # what the domains above add while it is prepared: the proposals on labels
        **(signals.gathered(signals.session_preparation, session) if preparing else {}),
        session=session,
        form=form,
        proposals=services.proposals(session) if preparing else [],
        minutes_to_approve=services.minutes_to_approve(session) if preparing else None,
        members=services.council_members(),
        recused=services.recused_ids,
    ), status


@bp.post("/seances/<int:session_id>")
@permission_required(can_plan_sessions)
def update(session_id: int):
    """Change the session's details; once convened, a move is told to its members."""
    session = _session(session_id)
    target = url_for("sessions.show", session_id=session.id)
    try:
        services.require_changeable(session)
    except services.SessionError as error:
        return _refused(error, target)
    form = SessionForm()
    values = _session_values(form)
    if values is None:
        return show(session_id, form, 400)
    try:
        previous = services.update_session(session, *values, actor=current_user)
    except services.SessionFieldError as error:
        db.session.rollback()
        form[error.field].errors.append(str(error))
        return show(session_id, form, 400)
    except services.SessionError as error:
        return _refused(error, target)
    if previous is None:
        db.session.commit()
        return _done(_("Séance modifiée."), target)
    # The notices are a job, one per version of the event (its sequence), run after the commit.
    job = jobs.enqueue(
        JobKind.move_notices,
        {"session_id": session.id, "previous": previous.isoformat()},
        current_user,
        f"move:{session.id}:{session.ics_sequence}",
    )
    db.session.commit()
    return follow(
        job,
        target,
        lambda job: _("Séance déplacée : %(n)s courriel(s) envoyé(s).", n=sent(job)),
        _("Séance déplacée : les avis partent."),
    )


@bp.post("/seances/<int:session_id>/annulation")
@permission_required(can_plan_sessions)
def cancel(session_id: int):
    """Cancel the session; once convened, with a reason told to its members and applicants."""
    session = _session(session_id)
    target = url_for("sessions.show", session_id=session.id)
    try:
        applications = services.cancel_session(
            session, current_user, request.form.get("reason", "")
        )
    except (services.SessionError, services.workflow.TransitionError) as error:
        return _refused(error, target + "#annuler")
    db.session.commit()
    message = _("Séance annulée ; ses dossiers sont de nouveau proposés.")
    if session.convened_at is not None:
        sent = convocation.send_cancellation(session, applications)
        message += " " + _("%(n)s courriel(s) envoyé(s).", n=sent)
    return _done(message, target)


@bp.post("/seances/<int:session_id>/ordre-du-jour")
@permission_required(can_plan_sessions)
def add_item(session_id: int):
    """Put an item on the agenda: a file (application_id), the previous minutes (kind=minutes)
    or information (kind=information). A proposal on a label's status goes through
    `certificates.schedule`."""
    session = _session(session_id)
    target = url_for("sessions.show", session_id=session.id)
    kind = request.form.get("kind", "application")
    try:
        if kind == "minutes":
            item = services.add_minutes_item(session, current_user)
        elif kind == "information":
            item = services.add_information_item(
                session, request.form.get("title", "")[:1000], current_user
            )
        else:
            application = db.session.get(Application, form_int("application_id") or 0)
            if application is None:
                abort(400)
            item = services.add_item(session, application, current_user)
    except (services.SessionError, services.workflow.TransitionError) as error:
        return _refused(error, target)
    db.session.commit()
    return _done(
        _("« %(name)s » inscrit à l'ordre du jour.", name=item.subject), target, "ordre-du-jour"
    )


@bp.post("/seances/points/<int:item_id>/deplacer")
@permission_required(can_plan_sessions)
def move(item_id: int):
    item = _item(item_id)
    target = url_for("sessions.show", session_id=item.session_id)
    offset = {"haut": -1, "bas": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    return _perform(
        lambda: services.move_item(item, offset, current_user), target + "#ordre-du-jour"
    )


@bp.post("/seances/points/<int:item_id>/rapporteur")
@permission_required(can_plan_sessions)
def rapporteur(item_id: int):
    item = _item(item_id)
    target = url_for("sessions.show", session_id=item.session_id)
    user_id = form_int("rapporteur_id")
    user = db.session.get(User, user_id) if user_id else None
    if request.form.get("rapporteur_id") and user is None:  # "" is « no rapporteur »
        abort(400)
    return _perform(
        lambda: services.assign_rapporteur(item, user, current_user),
        target + "#ordre-du-jour",
        _("Rapporteur enregistré."),
    )


@bp.post("/seances/points/<int:item_id>/scrutin")
@permission_required(can_plan_sessions)
def ballot(item_id: int):
    item = _item(item_id)
    target = url_for("sessions.show", session_id=item.session_id)
    return _perform(
        lambda: services.set_ballot(item, request.form.get("secret") == "1", current_user),
        target + "#ordre-du-jour",
        _("Mode de scrutin enregistré."),
    )


@bp.post("/seances/points/<int:item_id>/retrait")
@permission_required(can_plan_sessions)
def remove(item_id: int):
    item = _item(item_id)
    target = url_for("sessions.show", session_id=item.session_id)
    return _perform(
        lambda: services.remove_item(item, current_user, request.form.get("reason", "")[:1000]),
        target,
        _("Dossier retiré de l'ordre du jour, reporté à une séance suivante."),
    )


@bp.get("/seances/<int:session_id>/votes.<any(csv, xlsx):fmt>")
@permission_required(can_export_votes)
def votes_export(session_id: int, fmt: str):
    """The session's closed votes as a spreadsheet: who voted what on its open votes, only the
    totals of its secret ballots."""
    session = _session(session_id)
    header, rows = queries.votes_export(session.id)
    return spreadsheet.answer(fmt, f"votes-seance-{session.starts_at:%Y-%m-%d}", header, rows)


@bp.get("/secretariat/reglement")
@permission_required(can_plan_sessions)
def rules(form: RulesForm | None = None, status: int = 200):
    current = services.current_rules()
    form = form or RulesForm.from_rules(current)
    return render_template("sessions/rules.html", form=form, rules=current), status


@bp.post("/secretariat/reglement")
@permission_required(can_plan_sessions)
def save_rules():
    form = RulesForm()
    if not form.validate():
        return rules(form, 400)
    services.save_rules(form.to_rules(services.current_rules()), current_user)
    db.session.commit()
    return _done(
        _("Règlement enregistré : il s'appliquera aux séances qui ne sont pas encore ouvertes."),
        url_for("sessions.rules"),
    )


# --- members' space ---------------------------------------------------------------------------


@bp.get("/conseil")
@permission_required(can_sit)
def members():
    from cdess.sessions import minutes

    return render_template(
        "sessions/members.html", sessions=services.upcoming(), past=minutes.past_sessions()
    )


@bp.get("/conseil/seances/<int:session_id>")
@permission_required(can_sit)
def member_session(session_id: int):
    session = queries.agenda(session_id) or abort(404)
    if session.status is SessionStatus.cancelled:
        abort(404)
    proxy_given = next((p for p in session.proxies if p.giver_id == current_user.id), None)
    held = [p for p in session.proxies if p.holder_id == current_user.id]
    return render_template(
        "sessions/member_session.html",
        session=session,
        proxy_given=proxy_given,
        proxy_inactive=proxy_given is not None
        and proxy_given.giver_id in live.inactive_givers(session),
        present={a.user_id for a in session.attendance},
        held=held,
        voters=[m for m in services.voting_members() if m.id != current_user.id],
        recused=services.recused_ids,
        is_voter=can_vote(current_user, session),
    )


@bp.get("/conseil/points/<int:item_id>")
@permission_required(can_sit)
def item(item_id: int, form: ReportForm | None = None, status: int = 200):
    agenda_item = _item(item_id)
    if agenda_item.session.status is SessionStatus.cancelled:
        abort(404)
    if form is None and can_write_report(current_user, agenda_item):
        form = ReportForm(
            formdata=None,
            report=agenda_item.report,
            opinion=agenda_item.opinion.value if agenda_item.opinion else "",
        )
    application = agenda_item.application
    file = agenda_item.kind is ItemKind.application  # a label application: its results
    return render_template(
        "sessions/item.html",
        item=agenda_item,
        application=application,
        result=(application.snapshot or {}).get("result") if file else None,
        verified=application.verified_result if file else None,
        verified_obstacles=verification.verified_obstacles(application) if file else [],
        corrections=[c for c in application.checks if c.status is CheckStatus.corrected]
        if file
        else [],
        can_verify=file and can_verify_answers(current_user, application),
        form=form,
        recused=current_user.id in services.recused_ids(agenda_item),
    ), status


@bp.post("/conseil/points/<int:item_id>/rapport")
@permission_required(can_sit)
def report(item_id: int):
    agenda_item = _item(item_id)
    require(can_write_report(current_user, agenda_item))
    form = ReportForm()
    if not form.validate():
        return item(item_id, form, 400)
    try:
        services.write_report(
            agenda_item, current_user, form.report.data, Opinion(form.opinion.data)
        )
    except services.SessionError as error:
        db.session.rollback()
        form.opinion.errors.append(str(error))
        return item(item_id, form, 400)
    db.session.commit()
    return _done(_("Rapport enregistré."), url_for("sessions.item", item_id=item_id))


@bp.post("/conseil/points/<int:item_id>/conflit")
@permission_required(can_sit)
def conflict(item_id: int):
    agenda_item = _item(item_id)
    target = url_for("sessions.member_session", session_id=agenda_item.session_id)
    if request.form.get("withdraw") == "1":
        return _perform(
            lambda: services.withdraw_conflict(agenda_item, current_user),
            f"{target}#point-{agenda_item.id}",
            _("Déclaration de conflit d'intérêts retirée."),
        )
    return _perform(
        lambda: services.declare_conflict(
            agenda_item, current_user, request.form.get("reason", "")
        ),
        f"{target}#point-{agenda_item.id}",
        _("Conflit d'intérêts déclaré : vous ne prendrez pas part à ce vote."),
    )


@bp.post("/conseil/seances/<int:session_id>/pouvoir")
@permission_required(can_vote)
def proxy(session_id: int):
    session = _session(session_id)
    target = url_for("sessions.member_session", session_id=session.id)
    try:
        if request.form.get("withdraw") == "1":
            services.withdraw_proxy(session, current_user)
            message = _("Pouvoir retiré.")
        else:
            holder = db.session.get(User, form_int("holder_id") or 0)
            if holder is None:
                raise services.SessionError(_("Choisissez le membre qui votera pour vous."))
            live.give_proxy(session, current_user, holder)
            message = _("Pouvoir donné à %(name)s.", name=holder.display_name)
    except services.SessionError as error:
        return _refused(error, target)
    db.session.commit()
    return _done(message, target, "pouvoir")


# --- the live session -------------------------------------------------------------------------


@bp.post("/seances/<int:session_id>/convocation")
@permission_required(can_plan_sessions)
def convene(session_id: int):
    """Convene the council; the convocations are a job that sends them after the commit."""
    session = _session(session_id)
    target = url_for("sessions.show", session_id=session.id)
    try:
        live.convene(session, current_user)
    except REFUSALS as error:
        return _refused(error, target)
    job = jobs.enqueue(
        JobKind.convocations, {"session_id": session.id}, current_user, f"convocations:{session.id}"
    )
    db.session.commit()  # the job runs after it
    return follow(
        job,
        target,
        lambda job: _("Conseil convoqué : %(n)s courriel(s) envoyé(s).", n=sent(job)),
        _("Conseil convoqué : les convocations partent."),
    )


def sent(job) -> int:
    """How many emails a mass-mailing job delivered (its message's count)."""
    return (job.message_values or {}).get("n", 0)


def _live_context(session: CouncilSession, notice: dict | None = None) -> dict:
    """What the live panel shows this person; its cost does not grow with the agenda (the
    session comes from `queries.live_session`), and the focus item's situation is read once."""
    item = live.open_item(session)
    upcoming = next(
        (i for i in session.items if i.kind.voted and i.vote_status.value == "pending"), None
    )
    focus = item or upcoming
    presides = can_preside(current_user, session)
    seen = live.situation(focus) if focus is not None else None
    ballots = []
    if item is not None and can_vote(current_user, session):
        mine = live.ballots_of(item, current_user, seen)
        cast = live.ballots_cast(item, mine)
        ballots = [
            {
                "member": db.session.get(User, member_id),
                "voted": member_id in cast,
                "choice": cast.get(member_id),
            }
            for member_id in mine
        ]
    present = seen.present if seen is not None else live.present_ids(session)
    return {
        "session": session,
        "item": item,
        "focus": focus,
        "quorum": live.quorum(focus, seen) if focus is not None else None,
        # The open vote's quorum against the one at its opening: lost, it cannot be closed.
        "quorum_check": live.quorum_check(item, seen) if item is not None and presides else None,
        "inactive": live.inactive_givers(session) if presides else frozenset(),
        "secretaries": live.secretary_candidates()
        if presides and session.status is SessionStatus.convened
        else [],
        "ballots": ballots,
        "present": present,
        # Only whoever presides sees the members (attendance, who left): read for them alone.
        "members": services.council_roll() if presides else [],
        "checked_in": current_user.id in present,
        "is_member": is_council_member(current_user),
        "presides": presides,
        "is_president": can_cast_deciding_vote(current_user, session),
        # The president sees the count live (to close the vote); members see it once closed.
        "preview": live.preview(item, seen) if item is not None and presides else None,
        "notice": notice,
    }


def _version(session_id: int) -> str:
    """This person's version of the live panel (its ETag): see `queries.live_version`."""
    version = queries.live_version(session_id, current_user.id, can_preside(current_user))
    if version is None:
        abort(404)
    return version


def _etag(session: CouncilSession) -> str:
    return _version(session.id)


def _live_session(session_id: int) -> CouncilSession:
    session = queries.live_session(session_id, presides=can_preside(current_user))
    if session is None:
        abort(404)
    return session


def _live_panel(
    session_id: int, notice: dict | None = None, status: int = 200, version: str | None = None
):
    """The panel alone, with its version: the refresh's answer, and a ballot's sent by script."""
    version = version or _version(session_id)  # read before the panel is built, as the page does
    body = render_template(
        "sessions/_live_panel.html", **_live_context(_live_session(session_id), notice)
    )
    response = current_app.make_response((body, status))
    response.set_etag(version, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/seances/<int:session_id>/direct")
@permission_required(can_sit)
def live_page(session_id: int):
    # Read before the panel is built: the refresh then knows which version it was given.
    version = _version(session_id)
    session = _live_session(session_id)
    if session.status not in (SessionStatus.convened, SessionStatus.open, SessionStatus.closed):
        abort(404)
    return render_template("sessions/live.html", version=version, **_live_context(session))


@bp.get("/seances/<int:session_id>/direct/etat")
@permission_required(can_sit)
def live_state(session_id: int):
    """The live panel alone, for the two-second refresh: 304 when nothing this person sees
    changed (one statement beyond the login's)."""
    version = _version(session_id)
    if not request.if_none_match.contains_weak(version):
        return _live_panel(session_id, version=version)
    response = current_app.response_class(status=304)
    response.set_etag(version, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _live_url(session_id: int, anchor: str = "direct") -> str:
    return url_for("sessions.live_page", session_id=session_id) + f"#{anchor}"


def _back_live(session_id: int, anchor: str = "direct"):
    return redirect(_live_url(session_id, anchor))


@bp.post("/seances/<int:session_id>/ouverture")
@permission_required(can_preside)
def open_session(session_id: int):
    session = _session(session_id)
    secretary_id = form_int("secretary_id")
    try:
        if not secretary_id:
            raise services.SessionError(_("Choisissez le secrétaire de séance."))
        secretary = db.session.get(User, secretary_id)
        if secretary is None:
            abort(400)
        live.open_session(session, current_user, secretary=secretary)
    except services.SessionError as error:
        return _refused(error, url_for("sessions.live_page", session_id=session.id))
    db.session.commit()
    flash(_("Séance ouverte."), "success")
    return _back_live(session.id)


@bp.post("/seances/<int:session_id>/presence")
@permission_required(can_sit)
def attendance(session_id: int):
    """A member checks in (or out) themself; the president or secretariat does it for anyone."""
    session = _session(session_id)
    member_id = _member_id()
    member = db.session.get(User, member_id or 0)
    if member is None:
        abort(400)
    require(can_check_in(current_user, member, session))
    mark = live.check_out if request.form.get("leave") == "1" else live.check_in
    anchor = "presences" if member_id != current_user.id else "direct"
    return _perform(lambda: mark(session, member, current_user), _live_url(session.id, anchor))


@bp.post("/seances/points/<int:item_id>/ouverture-vote")
@permission_required(can_preside)
def open_vote(item_id: int):
    agenda_item = _item(item_id)
    return _perform(
        lambda: live.open_vote(agenda_item, current_user), _live_url(agenda_item.session_id)
    )


@bp.post("/seances/points/<int:item_id>/vote")
@permission_required(can_vote)
def vote(item_id: int):
    """One ballot. Sent by the live page's script (`X-Requested-With: fetch`), the answer is what
    the member's panel needs (`_ballot_answer`: the ballot's form alone, or the whole panel; 409
    with the reason when refused), swapped in place; without the script, back to the live page
    at the vote, the message flashed."""
    agenda_item = _item(item_id)
    session_id = agenda_item.session_id
    target = url_for("sessions.live_page", session_id=session_id)
    try:
        choice = Choice(request.form.get("choice", ""))
    except ValueError:
        abort(400)
    member_id = _member_id()
    if member_id is None:
        abort(400)
    scripted = request.headers.get("X-Requested-With") == "fetch"
    # Read before the commit, which expires the person and the item.
    voter_id, presides, secret = current_user.id, can_preside(current_user), agenda_item.secret
    try:
        mine = live.cast(agenda_item, current_user, member_id, choice)
    except REFUSALS as error:
        if not scripted:
            return _refused(error, target)
        db.session.rollback()
        return _live_panel(session_id, {"text": str(error), "error": True}, status=409)
    db.session.commit()
    message = _("Vote enregistré : %(c)s.", c=choice.label)
    if not scripted:
        return _done(message, target, "vote-titre")
    notice = {"text": message, "error": False}
    if mine != [voter_id] or presides:
        return _live_panel(session_id, notice)
    ballot = {"item_id": item_id, "secret": secret, "member_id": voter_id, "choice": choice}
    return _ballot_answer(session_id, voter_id, ballot, notice)


def _ballot_answer(session_id: int, voter_id: int, ballot: dict, notice: dict):
    """A member's own ballot, answered with its form alone when that is all that changed on the
    panel they show — they hold no proxy and do not preside (whose panel counts every ballot),
    and the session's revision is the one of their panel (`X-Live-Version`, sent by the
    script). A member's version is the revision and their own ballots
    (`queries.live_version`), so their panel with this form swapped in is the panel of the
    version answered. Otherwise the whole panel."""
    version = queries.live_version(session_id, voter_id, False)
    shown = request.headers.get("X-Live-Version", "")
    if version is None or _revision(version) != _revision(shown):
        return _live_panel(session_id, notice, version=version)
    recorded = None if ballot["secret"] else ballot["choice"]
    answer = {**ballot, "member_name": "", "own": True, "voted": True, "choice": recorded}
    body = render_template("sessions/_ballot.html", answer=answer, notice=notice["text"])
    response = current_app.make_response(body)
    response.set_etag(version, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _revision(version: str) -> str | None:
    """The session's revision named by a version of the live panel (`s1-r7-m3-b1.0.x` → `r7`)."""
    parts = version.split("-")
    return parts[1] if len(parts) > 2 and parts[1].startswith("r") else None


@bp.post("/seances/points/<int:item_id>/cloture-vote")
@permission_required(can_preside)
def close_vote(item_id: int):
    """Close the vote; with ballots missing (members present or represented who have not
    voted), a confirmation first (`confirm=1` closes anyway)."""
    agenda_item = _item(item_id)
    target = url_for("sessions.live_page", session_id=agenda_item.session_id)
    casting = request.form.get("casting")
    if (
        request.form.get("confirm") != "1"
        and agenda_item.vote_status.value == "open"
        and (missing := live.missing_ballots(agenda_item))
        and not live.quorum_check(agenda_item).lost  # refused below, with the reason
    ):
        session = agenda_item.session
        return render_template(
            "sessions/live.html",
            version=_etag(session),
            confirm_close={"item": agenda_item, "missing": missing, "casting": casting or ""},
            **_live_context(session),
        )
    try:
        tally = live.close_vote(agenda_item, current_user, Choice(casting) if casting else None)
    except (ValueError, services.SessionError, services.workflow.TransitionError) as error:
        return _refused(error, target)
    if tally.outcome is council_rules.Outcome.pending_casting_vote:
        flash(tally.explanation, "error")  # the panel now asks the president's deciding vote
        return _back_live(agenda_item.session_id)
    db.session.commit()  # the file's decision emails leave with it
    if agenda_item.secret:
        live.forget_write_order()
    flash(tally.explanation, "success")
    return _back_live(agenda_item.session_id)


@bp.post("/seances/points/<int:item_id>/annulation-vote")
@permission_required(can_preside)
def annul_vote(item_id: int):
    """The president annuls a vote whose quorum was lost: the item is voted again later."""
    agenda_item = _item(item_id)
    return _perform(
        lambda: live.annul_vote(agenda_item, current_user),
        _live_url(agenda_item.session_id),
        _(
            "Vote annulé, faute de quorum : ses bulletins sont effacés ; le point reste à "
            "l'ordre du jour et sera de nouveau mis aux voix."
        ),
    )


@bp.post("/seances/<int:session_id>/cloture")
@permission_required(can_preside)
def close_session(session_id: int):
    """Close the session; its minutes are written by a job after the commit: done at once
    (inline), back to the live page; still running (a worker's), to its progress page."""
    session = _session(session_id)
    target = _live_url(session.id)
    try:
        job = live.close_session(session, current_user)
    except REFUSALS as error:
        return _refused(error, target)
    db.session.commit()  # the minutes' job runs after it
    return follow(
        job,
        target,
        _("Séance close : le procès-verbal est prêt."),
        _("Séance close : le procès-verbal est en cours de rédaction."),
    )


@bp.get("/seances/<int:session_id>/proces-verbal.pdf")
@permission_required(can_sit)
def minutes(session_id: int):
    session = _session(session_id)
    if session.minutes_pdf is None:
        abort(404)
    response = current_app.response_class(session.minutes_pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="proces-verbal-{session.starts_at:%Y-%m-%d}.pdf"'
    )
    return response


from cdess.sessions import room  # noqa: E402,F401
