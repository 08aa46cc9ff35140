"""Command line: flask --app cdess init-db | create-user | demo."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from cdess.accounts.models import Role
from cdess.extensions import db


def init_db() -> None:
    """Apply every migration, then the reference data the application needs."""
    from cdess.accounts.services import ensure_default_colleges
    from cdess.charter.services import ensure_default_charter

    upgrade(directory=current_app.extensions["migrate"].directory)
    ensure_default_colleges()
    ensure_default_charter()
    db.session.commit()


def register_commands(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db_command():
        """Create or upgrade the database schema (migrations) and reference data."""
        init_db()
        click.echo(f"Base de données prête : {db.engine.url.render_as_string(hide_password=True)}")

    charter_group = AppGroup("charter", help="La charte : chargement d'un fichier.")
    app.cli.add_command(charter_group)

    @charter_group.command("load")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--draft", is_flag=True, help="Charger comme brouillon, sans publier.")
    def load_charter_command(path, draft):
        """Load a charter file (YAML) as a new version, published unless --draft. The file is
        read strictly: every problem is listed with its line, and nothing is loaded. Published
        after another version, the new one is minor or major by what it changes; a major one
        asks its signatories by email to sign it again."""
        from cdess.charter.models import VersionKind
        from cdess.charter.services import CharterError, load_file, send_resign_requests

        try:
            version = load_file(path, publish_it=not draft)
        except CharterError as error:
            db.session.rollback()
            raise click.ClickException("\n".join(error.problems)) from error
        db.session.commit()
        state = "brouillon" if draft else "publiée"
        if version.kind is not None:
            state += ", " + ("majeure" if version.kind is VersionKind.major else "mineure")
        click.echo(
            f"Charte version {version.number} chargée ({state}) : {len(version.criteria)} critères."
        )
        if version.kind is VersionKind.major:
            sent = send_resign_requests(version)
            deadline = version.resign_deadline.strftime("%d/%m/%Y")
            click.echo(f"Signataires invités à signer de nouveau avant le {deadline} : {sent}.")

    audit_group = AppGroup("audit", help="Le journal de toutes les décisions.")
    app.cli.add_command(audit_group)

    @audit_group.command("verify")
    @click.option(
        "--anchor",
        "extra",
        multiple=True,
        metavar="N:EMPREINTE",
        help="Une tête publiée gardée hors de la base : nombre d'entrées et empreinte.",
    )
    def verify_audit_command(extra):
        """Check the journal's chain against its anchors (the heads printed in minutes and
        certificates, published on /journal, or given here); exit 1 on an edited, removed
        or inserted row, or a cut end."""
        from cdess.audit import services as audit

        anchors = []
        for value in extra:
            count, _, head = value.partition(":")
            if not count.isdigit() or len(head) != 64:
                raise click.BadParameter(f"« {value} » : attendu N:EMPREINTE (64 caractères).")
            anchors.append((int(count), head.lower()))
        report = audit.verify(anchors)
        if not report.intact:
            click.echo("\n".join(report.problems), err=True)
            raise click.ClickException(f"Journal altéré : {len(report.problems)} problème(s).")
        click.echo(
            f"Journal intact : {report.count} entrée(s), {report.anchors_checked} ancre(s) "
            f"vérifiée(s), tête {report.head}."
        )

    @app.cli.command("reminders")
    @click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Jour de référence (tests).")
    def reminders_command(today):
        """Daily: remind structures whose label ends in 90 and 30 days (once each), mark the
        labels past their end as expired, and publish the journal's head of the day."""
        from datetime import date

        from cdess.audit import services as audit
        from cdess.certificates.services import send_reminders

        day = today.date() if today else date.today()
        sent, expired = send_reminders(day)
        head = audit.publish()
        db.session.commit()
        click.echo(f"Rappels envoyés : {sent} ; labels arrivés à échéance : {expired}.")
        click.echo(f"Tête du journal publiée : {head.count} entrées, {head.head}.")

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option(
        "--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role])
    )
    @click.option("--name", "display_name", default=None, help="Nom affiché (défaut : l'adresse).")
    @click.password_option(help="Mot de passe (12 caractères au moins).")
    def create_user_command(email, roles, display_name, password):
        """Create an active, confirmed account."""
        from cdess.accounts.services import AccountError, create_user

        if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
            raise click.ClickException("Mot de passe trop court (12 caractères au moins).")
        try:
            user = create_user(
                email,
                display_name or email,
                {Role(r) for r in roles},
                password=password,
                confirmed=True,
                voting_right=bool({"council_member", "president"} & set(roles)),
            )
        except AccountError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        click.echo(f"Compte créé : {user.email} ({', '.join(sorted(roles))})")

    @app.cli.command("demo")
    @click.option(
        "--if-empty", is_flag=True, help="Ne rien faire si la base contient déjà des données."
    )
    def demo_command(if_empty):
        """Load the realistic demo dataset (refuses a database holding real data)."""
        from cdess import demo

        init_db()
        state = demo.database_state()
        if state == "demo":
            click.echo("Les données de démonstration sont déjà chargées.")
            return
        if state == "real":
            if if_empty:
                click.echo("La base contient déjà des données : démonstration non chargée.")
                return
            raise click.ClickException(
                "Cette base contient des données qui ne sont pas de démonstration : refus."
            )
        try:
            summary = demo.load()
        except demo.DemoIntegrityError as error:
            db.session.rollback()
            raise click.ClickException(
                "Données de démonstration refusées :\n" + "\n".join(error.problems)
            ) from error
        db.session.commit()
        for line in summary:
            click.echo(line)
        click.echo(
            f"Mot de passe de tous les comptes de démonstration : "
            f"{current_app.config['DEMO_PASSWORD']}"
        )
