"""Registration, login, password reset, invitations; user and collège administration."""

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME
from sqlalchemy.orm import joinedload

from cdess.accounts import queries, services
from cdess.accounts.forms import (
    ChangePasswordForm,
    CollegeForm,
    EraseUserForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    SetPasswordForm,
    UserForm,
)
from cdess.accounts.models import College, Role, User
from cdess.accounts.permissions import (
    assignable_roles,
    can_edit_user,
    can_erase_account,
    can_manage_users,
)
from cdess.accounts.tokens import read_token
from cdess.extensions import db, limiter, login_manager
from cdess.labels import N_
from cdess.web.forms import options
from cdess.web.navigation import add_entry
from cdess.web.permissions import permission_required, require
from cdess.web.queries import query_arg
from cdess.web.urls import safe_next as _safe_next

bp = Blueprint("accounts", __name__, url_prefix="/compte")
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
add_entry(admin_bp, "admin.users", _l("Utilisateurs"), can_manage_users, order=150)
add_entry(admin_bp, "admin.colleges", _l("Collèges"), can_manage_users, order=160)


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """The account of a session or remember-me cookie (« id:version », `User.get_id`); None
    when its session version has been bumped since the cookie was issued."""
    user_id, _sep, version = identity.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    # Its roles in the same statement: every request reads them (one round trip, not two).
    user = db.session.get(User, int(user_id), options=[joinedload(User.role_rows)])
    return user if user is not None and user.session_version == int(version) else None


# What a visitor did before logging in and carries into their account: the quick
# self-diagnostic's answers (assessments.views.QUICK_KEY). Nothing else survives a login.
CARRIED_ACROSS_LOGIN = ("quick_answers",)


def _start_session(user: User, remember: bool = False) -> None:
    """Log `user` in on a fresh session: whatever was planted in the cookie before (session
    fixation) is dropped, and the CSRF token with it (Flask-WTF draws a new one)."""
    carried = {key: session[key] for key in CARRIED_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(carried)
    g.pop("csrf_token", None)
    login_user(user, remember=remember)


login_manager.login_view = "accounts.login"
login_manager.login_message = N_("Connectez-vous pour accéder à cette page.")
login_manager.localize_callback = _
login_manager.login_message_category = "info"


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        # The same answer whether the address had an account (its owner is emailed) or not.
        services.register_applicant(form.email.data, form.display_name.data, form.password.data)
        db.session.commit()
        flash(
            _(
                "Un courriel vient d'être envoyé à %(email)s : suivez le lien qu'il contient "
                "pour confirmer votre adresse.",
                email=form.email.data,
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form)


@bp.get("/confirmer/<token>")
def confirm(token: str):
    user = read_token(token, "confirm")
    if user is None:
        flash(
            _(
                "Ce lien de confirmation n'est pas valide ou a expiré. "
                "Connectez-vous pour en recevoir un nouveau."
            ),
            "error",
        )
        return redirect(url_for("accounts.login"))
    services.confirm_email(user)
    db.session.commit()
    flash(_("Votre adresse est confirmée. Vous pouvez vous connecter."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountLocked as error:
            form.password.errors.append(str(error))
            return render_template("accounts/login.html", form=form), 429
        if user is None:
            form.password.errors.append(_("Adresse ou mot de passe incorrect."))
        elif user.email_confirmed_at is None:
            services.send_confirmation(user)
            form.email.errors.append(
                _(
                    "Votre adresse n'est pas encore confirmée : un nouveau lien vient de vous "
                    "être envoyé."
                )
            )
        else:
            services.record_login(user)
            db.session.commit()
            _start_session(user, remember=form.remember.data)
            flash(_("Bienvenue, %(name)s.", name=user.display_name), "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.post("/deconnexion")
@login_required
def logout():
    logout_user()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("web.home"))


@bp.post("/deconnexion-partout")
@login_required
def logout_everywhere():
    services.end_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(
        _("Vous êtes déconnecté partout : sur cet appareil et sur tous les autres."),
        "info",
    )
    return redirect(url_for("accounts.login"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.send_password_reset(form.email.data)
        flash(
            _(
                "Si un compte existe pour cette adresse, un lien de réinitialisation vient d'y "
                "être envoyé. Il est valable deux heures."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = read_token(token, "reset")
    if user is None:
        flash(
            _("Ce lien n'est pas valide, a déjà servi ou a expiré. Demandez-en un nouveau."),
            "error",
        )
        return redirect(url_for("accounts.forgot_password"))
    form = SetPasswordForm(owner=user)
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        db.session.commit()
        flash(_("Votre mot de passe est changé. Connectez-vous."), "success")
        return redirect(url_for("accounts.login"))
    return render_template(
        "accounts/set_password.html",
        form=form,
        user=user,
        title=_("Choisir un nouveau mot de passe"),
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    user = read_token(token, "invite")
    if user is None:
        flash(
            _(
                "Cette invitation n'est pas valide, a déjà servi ou a expiré. "
                "Demandez-en une nouvelle au secrétariat."
            ),
            "error",
        )
        return redirect(url_for("accounts.login"))
    form = SetPasswordForm(owner=user)
    if form.validate_on_submit():
        services.accept_invitation(user, form.password.data)
        services.record_login(user)
        db.session.commit()
        _start_session(user)
        flash(_("Bienvenue, %(name)s. Votre compte est prêt.", name=user.display_name), "success")
        return redirect(url_for("web.home"))
    return render_template(
        "accounts/set_password.html", form=form, user=user, title=_("Activer votre compte")
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user, prefix="profile")
    if form.locale.data is None:  # never chosen: the language the page is read in
        form.locale.data = str(get_locale())
    password_form = ChangePasswordForm(prefix="password", owner=current_user)
    if "profile-display_name" in request.form and form.validate_on_submit():
        current_user.display_name = form.display_name.data
        current_user.locale = form.locale.data
        db.session.commit()
        flash(_("Vos informations sont enregistrées."), "success")
        return redirect(url_for("accounts.profile"))
    if "password-password" in request.form and password_form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(
                user, password_form.current_password.data, password_form.password.data
            )
        except services.AccountError as error:
            password_form.current_password.errors.append(str(error))
        else:
            db.session.commit()
            # Every other session has ended; this browser stays, remembered if it was.
            remembered = (
                current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
            )
            _start_session(user, remember=remembered)
            flash(_("Votre mot de passe est changé ; vos autres sessions sont fermées."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


# --- administration -------------------------------------------------------------------------


def _fill_user_form(form: UserForm) -> None:
    form.roles.choices = options((r.value, r.label) for r in assignable_roles(current_user))
    form.college_id.choices = options(
        [(0, _("— Aucun —")), *((c.id, c.name) for c in queries.colleges())]
    )


def _user_fields(form: UserForm) -> dict:
    college = db.session.get(College, form.college_id.data) if form.college_id.data else None
    return {
        "roles": {Role(value) for value in form.roles.data},
        "college": college,
        "voting_right": form.voting_right.data,
    }


@admin_bp.get("/utilisateurs")
@permission_required(can_manage_users)
def users():
    query = query_arg("q")
    role = query_arg("role")
    page = queries.users_page(query, role)
    return render_template("admin/users.html", page=page, query=query, role=role, roles=list(Role))


@admin_bp.route("/utilisateurs/inviter", methods=["GET", "POST"])
@permission_required(can_manage_users)
def invite():
    form = InviteForm(active=True)
    _fill_user_form(form)
    if form.validate_on_submit():
        fields = _user_fields(form)
        try:
            services.invite(
                form.email.data,
                form.display_name.data,
                fields["roles"],
                inviter=current_user,
                college=fields["college"],
                voting_right=fields["voting_right"],
            )
        except services.AccountError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Invitation envoyée à %(email)s.", email=form.email.data), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/invite.html", form=form)


@admin_bp.route("/utilisateurs/<int:user_id>", methods=["GET", "POST"])
@permission_required(can_manage_users)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    require(can_edit_user(current_user, user))
    form = UserForm(
        roles=[r.value for r in user.roles],
        college_id=user.college_id or 0,
        voting_right=user.voting_right,
        active=user.active,
    )
    _fill_user_form(form)
    if form.validate_on_submit():
        try:
            services.update_user(user, current_user, active=form.active.data, **_user_fields(form))
        except services.AccountError as error:
            form.active.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Le compte de %(name)s est enregistré.", name=user.display_name), "success")
            return redirect(url_for("admin.users"))
    erase_form = EraseUserForm(prefix="erase") if can_erase_account(current_user, user) else None
    return render_template("admin/user.html", form=form, user=user, erase_form=erase_form)


@admin_bp.post("/utilisateurs/<int:user_id>/renvoyer-invitation")
@permission_required(can_manage_users)
def resend_invitation(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.password_hash:
        flash(_("Ce compte est déjà activé."), "info")
    else:
        services.send_invitation(user, current_user)
        flash(_("Invitation renvoyée à %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@admin_bp.route("/colleges", methods=["GET", "POST"])
@permission_required(can_manage_users)
def colleges():
    form = CollegeForm()
    if form.validate_on_submit():
        try:
            services.save_college(None, form.name.data, form.position.data)
        except services.AccountError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Collège ajouté."), "success")
            return redirect(url_for("admin.colleges"))
    return render_template("admin/colleges.html", form=form, rows=queries.colleges_with_members())


@admin_bp.route("/colleges/<int:college_id>", methods=["GET", "POST"])
@permission_required(can_manage_users)
def edit_college(college_id: int):
    college = db.get_or_404(College, college_id)
    form = CollegeForm(obj=college)
    if form.validate_on_submit():
        try:
            services.save_college(college, form.name.data, form.position.data)
        except services.AccountError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Collège enregistré."), "success")
            return redirect(url_for("admin.colleges"))
    return render_template("admin/college.html", form=form, college=college)
