"""The council room: the attendance sheet (grouped by collège, « tous présents », toggles that
save without reloading), the members' self check-in from the code of the room's screen, the
screen itself (projected, polled every two seconds) and the paper or show-of-hands ballots the
president enters. Registered on the sessions blueprint; every change goes through `live`.

Where the issue is silent, decided here:
- a wrong check-in code answers 404 and counts against a per-account limit; a right one for a
  session not open (closed, not started) answers 409 with the reason;
- the screen shows the number of ballots received against those expected, never whose and
  never the choices before the close; the last result stays until the next vote opens;
- the paper-ballot sheet is the attendance sheet in another mode (one page of the room's
  members), listing the ballots the open vote allows now."""

from urllib.parse import urlencode

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from cdess.accounts.models import College, User
from cdess.extensions import db, limiter
from cdess.sessions import live, queries, services
from cdess.sessions import rules as council_rules
from cdess.sessions.models import (
    AgendaItem,
    Choice,
    CouncilSession,
    SessionStatus,
    Vote,
    VoteStatus,
)
from cdess.sessions.permissions import (
    can_check_in_with_code,
    can_enter_ballots,
    can_preside,
    can_sit,
)
from cdess.sessions.views import REFUSALS, bp
from cdess.web.permissions import permission_required
from cdess.web.qr import qr_svg
from cdess.web.queries import form_int
from cdess.web.urls import external_url

SHOWN = (SessionStatus.convened, SessionStatus.open, SessionStatus.closed)


def _session(session_id: int) -> CouncilSession:
    session = db.get_or_404(CouncilSession, session_id)
    if session.status not in SHOWN:
        abort(404)
    return session


def _wants_json() -> bool:
    """A fetch from attendance.js asks for JSON; a plain form gets a redirect."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > 0


def quorum_sentence(quorum: council_rules.Quorum | None) -> str:
    """The quorum as the sheet and the screen say it (one sentence, for the page and JSON)."""
    if quorum is None:
        return ""
    numbers = _(
        "%(p)s présents, %(r)s représentés, sur %(e)s membres votants non récusés : %(q)s requis.",
        p=quorum.present,
        r=quorum.represented,
        e=quorum.eligible,
        q=quorum.required,
    )
    return f"{numbers} {_('Quorum atteint.') if quorum.reached else _('Quorum non atteint.')}"


def _focus(session: CouncilSession) -> AgendaItem | None:
    """The item whose vote is open, or the next to be voted on."""
    return live.open_item(session) or next(
        (i for i in session.items if i.kind.voted and i.vote_status is VoteStatus.pending), None
    )


def _groups(members: list[User], query: str = "") -> list[tuple[College | None, list[User]]]:
    """The members by collège, in the collèges' order (those without one last), filtered by a
    piece of their name."""
    needle = query.strip().casefold()
    groups: dict[int | None, list[User]] = {}
    for member in members:
        if needle and needle not in member.display_name.casefold():
            continue
        groups.setdefault(member.college_id, []).append(member)
    colleges = {c.id: c for c in db.session.execute(db.select(College)).scalars()}
    order = sorted(groups, key=lambda i: (i is None, colleges[i].position if i else 0, i or 0))
    return [(colleges.get(i) if i else None, groups[i]) for i in order]


# --- the attendance sheet ---------------------------------------------------------------------


def _sheet_summary(session: CouncilSession) -> dict:
    present = {a.user_id for a in session.attendance}
    focus = _focus(session) if session.is_open else None
    seen = live.situation(focus) if focus is not None else None  # read once for the panel
    quorum = live.quorum(focus, seen) if focus is not None else None
    return {
        "present": present,
        "focus": focus,
        "quorum": quorum,
        "quorum_text": quorum_sentence(quorum),
        "count_text": ngettext(
            "%(num)s membre présent.", "%(num)s membres présents.", len(present)
        ),
    }


@bp.get("/seances/<int:session_id>/presences")
@permission_required(can_preside)
def attendance_sheet(session_id: int):
    session = _session(session_id)
    query = request.args.get("q", "")[:100]
    return render_template(
        "sessions/attendance.html",
        session=session,
        mode="presence",
        query=query,
        groups=_groups(services.council_members(), query),
        code=live.checkin_code(session),
        **_sheet_summary(session),
    )


def _sheet_url(session_id: int, anchor: str = "") -> str:
    target = url_for("sessions.attendance_sheet", session_id=session_id)
    query = request.form.get("q", "")[:100]
    if query:
        target += "?" + urlencode({"q": query})
    return target + (f"#{anchor}" if anchor else "")


@bp.post("/seances/<int:session_id>/presences")
@permission_required(can_preside)
def mark_attendance(session_id: int):
    """One member present (present=1) or absent (present=0), through `live.check_in/out`."""
    session = _session(session_id)
    member = db.session.get(User, form_int("member_id") or 0)
    present = request.form.get("present")
    if member is None or not member.sits_on_council or present not in ("0", "1"):
        abort(400)  # an account off the council: not named back
    try:
        if present == "1":
            live.check_in(session, member, current_user)
        else:
            live.check_out(session, member, current_user)
    except REFUSALS as error:
        db.session.rollback()
        if _wants_json():
            return jsonify(ok=False, message=str(error)), 409
        flash(str(error), "error")
        return redirect(_sheet_url(session.id, f"membre-{member.id}"))
    db.session.commit()
    message = (
        _("%(name)s est présent(e).", name=member.display_name)
        if present == "1"
        else _("%(name)s est absent(e).", name=member.display_name)
    )
    if _wants_json():
        db.session.expire(session, ["attendance"])
        summary = _sheet_summary(session)
        return jsonify(
            ok=True,
            present=member.id in summary["present"],
            message=message,
            quorum=summary["quorum_text"],
            count=summary["count_text"],
        )
    flash(message, "success")
    return redirect(_sheet_url(session.id, f"membre-{member.id}"))


@bp.post("/seances/<int:session_id>/presences/college")
@permission_required(can_preside)
def mark_college(session_id: int):
    """« Tous présents » for one collège (college_id), or for the members without one (0)."""
    session = _session(session_id)
    raw = request.form.get("college_id", "")
    college = None
    if raw != "0":
        college = db.session.get(College, form_int("college_id") or 0)
        if college is None:
            abort(400)
    members = [m for m in services.council_members() if m.college_id == (college and college.id)]
    try:
        marked = live.check_in_all(session, members, current_user)
    except REFUSALS as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_sheet_url(session.id))
    db.session.commit()
    name = college.name if college else _("sans collège")
    flash(
        ngettext(
            "%(num)s membre marqué présent (%(c)s).",
            "%(num)s membres marqués présents (%(c)s).",
            marked,
            c=name,
        ),
        "success",
    )
    return redirect(_sheet_url(session.id, f"college-{college.id if college else 0}"))


# --- self check-in ----------------------------------------------------------------------------


def _checkin_limit() -> str:
    return current_app.config.get("CHECKIN_CODE_LIMIT", "10 per 10 minutes")


def _checkin_key() -> str:
    return f"checkin-code:{current_user.get_id() or request.remote_addr}"


def _wrong(response) -> bool:
    return response.status_code == 404


def _checkin_page(session: CouncilSession, code: str, error: str = "", status: int = 200):
    return render_template(
        "sessions/checkin.html",
        session=session,
        code=code,
        error=error,
        checked_in=any(a.user_id == current_user.id for a in session.attendance),
    ), status


@bp.get("/seances/<int:session_id>/emargement")
@permission_required(can_check_in_with_code)
def checkin_form(session_id: int):
    """The code typed on the live page: to its check-in address (or the page, to type it)."""
    session = db.get_or_404(CouncilSession, session_id)
    code = live.normalise_code(request.args.get("code", ""))
    if not code:
        return _checkin_page(session, "")
    return redirect(url_for("sessions.checkin", session_id=session.id, code=code))


@bp.route("/seances/<int:session_id>/presence/<code>", methods=["GET", "POST"])
@permission_required(can_check_in_with_code)
@limiter.limit(_checkin_limit, key_func=_checkin_key, deduct_when=_wrong)
def checkin(session_id: int, code: str):
    """A member opens the address of the room's QR code (GET: a button) and confirms (POST)."""
    session = db.get_or_404(CouncilSession, session_id)
    code = live.normalise_code(code)
    expected = live.checkin_code(session)
    if request.method == "GET":
        if expected is None:
            return _checkin_page(session, code, _not_open(session), 409)
        if code != expected:
            return _checkin_page(session, code, _wrong_code(), 404)
        return _checkin_page(session, code)
    try:
        live.check_in_with_code(session, current_user, code)
    except live.WrongCode as error:
        db.session.rollback()
        return _checkin_page(session, code, str(error), 404)
    except REFUSALS as error:
        db.session.rollback()
        return _checkin_page(session, code, str(error), 409)
    db.session.commit()
    flash(_("Vous êtes enregistré(e) comme présent(e)."), "success")
    return redirect(url_for("sessions.live_page", session_id=session.id) + "#direct")


def _not_open(session: CouncilSession) -> str:
    if session.status is SessionStatus.closed:
        return _("La séance est close : l'émargement n'est plus possible.")
    return _("La séance n'est pas ouverte : revenez quand elle aura commencé.")


def _wrong_code() -> str:
    return _("Ce code n'est pas celui de la séance : vérifiez-le sur l'écran de la salle.")


# --- the room's screen ------------------------------------------------------------------------


def _screen_etag(session: CouncilSession) -> str:
    """The room's version as whoever presides sees it (every ballot counted, never whose)."""
    version = queries.live_version(session.id, None, True)
    if version is None:
        abort(404)
    return f"ecran-{'p' if can_preside(current_user) else 'm'}-{version}"


def _screen_context(session: CouncilSession) -> dict:
    item = live.open_item(session)
    focus = _focus(session) if session.is_open else None
    closed = [i for i in session.items if i.vote_status is VoteStatus.closed and i.result]
    last = max(closed, key=lambda i: i.vote_closed_at or i.vote_opened_at, default=None)
    # The check-in code is for the room: only on the screen of whoever presides (the one
    # projected), never on a member's own screen, from which one could check in from home.
    code = live.checkin_code(session) if can_preside(current_user) else None
    url = external_url("sessions.checkin", session_id=session.id, code=code) if code else None
    seen = live.situation(focus) if focus is not None else None  # read once for the panel
    quorum = live.quorum(focus, seen) if focus is not None else None
    return {
        "session": session,
        "item": item,
        "focus": focus,
        "last": None if item is not None else last,
        "quorum": quorum,
        "quorum_text": quorum_sentence(quorum),
        "received": live.ballots_received(item) if item is not None else 0,
        "expected": len(live.ballots_of_all(item, seen)) if item is not None else 0,
        "present": len(session.attendance),
        "code": code,
        "checkin_url": url,
        "qr": qr_svg(url) if url else None,
    }


@bp.get("/seances/<int:session_id>/ecran")
@permission_required(can_sit)
def screen(session_id: int):
    session = _session(session_id)
    version = _screen_etag(session)
    return render_template(
        "sessions/screen.html", fragment=False, version=version, **_screen_context(session)
    )


@bp.get("/seances/<int:session_id>/ecran/etat")
@permission_required(can_sit)
def screen_state(session_id: int):
    """The screen's panel alone, for its two-second refresh: 304 when nothing changed."""
    session = _session(session_id)
    etag = _screen_etag(session)
    if request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304)
    else:
        response = current_app.make_response(
            render_template("sessions/screen.html", fragment=True, **_screen_context(session))
        )
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- paper and show-of-hands ballots ----------------------------------------------------------


def _item(item_id: int) -> AgendaItem:
    item = db.get_or_404(AgendaItem, item_id)
    if item.session.status not in SHOWN or not item.kind.voted:
        abort(404)
    return item


def _ballot_rows(item: AgendaItem) -> dict:
    """The ballots the open vote allows now, by member, with the vote recorded for each and the
    people named (members and holders)."""
    is_open = item.vote_status is VoteStatus.open
    ballots = {b.member: b for b in live.ballots_of_all(item)} if is_open else {}
    votes = {
        v.member_id: v
        for v in db.session.execute(db.select(Vote).filter_by(item_id=item.id)).scalars()
    }
    ids = set(ballots) | {b.holder for b in ballots.values()}
    people = {
        u.id: u for u in db.session.execute(db.select(User).filter(User.id.in_(ids))).scalars()
    }
    members = sorted((people[m] for m in ballots), key=lambda u: (u.display_name, u.id))
    return {"members": members, "ballots": ballots, "votes": votes, "people": people}


def _ballot_summary(item: AgendaItem) -> str:
    if item.vote_status is not VoteStatus.open:
        return ""
    return _(
        "Bulletins reçus : %(n)s sur %(e)s attendus.",
        n=live.ballots_received(item),
        e=len(live.ballots_of_all(item)),
    )


@bp.get("/seances/points/<int:item_id>/bulletins")
@permission_required(can_enter_ballots)
def paper_ballots(item_id: int):
    item = _item(item_id)
    rows = _ballot_rows(item)
    query = request.args.get("q", "")[:100]
    return render_template(
        "sessions/attendance.html",
        session=item.session,
        mode="ballots",
        item=item,
        query=query,
        groups=_groups(rows["members"], query),
        ballots=rows["ballots"],
        votes=rows["votes"] if not item.secret else {},
        people=rows["people"],
        may_enter=can_enter_ballots(current_user, item, check_state=True),
        summary_text=_ballot_summary(item),
        choices=list(Choice),
    )


@bp.post("/seances/points/<int:item_id>/bulletins")
@permission_required(can_enter_ballots)
def enter_ballot(item_id: int):
    """The president enters a member's paper or show-of-hands ballot (open votes only)."""
    item = _item(item_id)
    member_id = form_int("member_id")
    try:
        choice = Choice(request.form.get("choice", ""))
    except ValueError:
        abort(400)
    member = db.session.get(User, member_id or 0)
    if member is None or not member.sits_on_council:
        abort(400)
    target = url_for("sessions.paper_ballots", item_id=item.id)
    if query := request.form.get("q", "")[:100]:
        target += "?" + urlencode({"q": query})
    target += f"#membre-{member.id}"
    try:
        live.enter_ballot(item, member.id, choice, current_user)
    except REFUSALS as error:
        db.session.rollback()
        if _wants_json():
            return jsonify(ok=False, message=str(error)), 409
        flash(str(error), "error")
        return redirect(target)
    db.session.commit()
    message = _("Vote de %(name)s saisi : %(c)s.", name=member.display_name, c=choice.label)
    if _wants_json():
        return jsonify(
            ok=True,
            message=message,
            state=_("saisi par le président : %(c)s", c=choice.label),
            summary=_ballot_summary(item),
        )
    flash(message, "success")
    return redirect(target)
