"""Command line: flask --app cdess init-db | create-user | demo | backup | restore | storage |
retention …"""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from cdess.accounts.models import Role
from cdess.demo.data import STRUCTURE_COUNT
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
            raise click.ClickException(f"Journal altéré : {len(report.problems)} problème(s).")
        click.echo(
            f"Journal intact : {report.count} entrée(s), {report.anchors_checked} ancre(s) "
            f"vérifiée(s), tête {report.head}."
        )

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(file_okay=False, path_type=Path))
    def backup_command(path):
        """Copy the running instance into PATH (new or empty folder): the database (SQLite's
        backup API, or pg_dump), the files it points at, and a manifest of their SHA-256."""
        from cdess.ops import backup as backups

        try:
            manifest = backups.backup(path)
        except backups.BackupError as error:
            raise click.ClickException("\n".join(error.problems)) from error
        size = sum(f["size"] for f in manifest["files"].values())
        click.echo(
            f"Sauvegarde écrite dans {path} : base {manifest['database']['kind']}, "
            f"{len(manifest['files'])} fichier(s), {size} octets."
        )
        click.echo(f"Empreinte du manifeste (à garder ailleurs) : {backups.manifest_digest(path)}")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
    def restore_command(path):
        """Put the backup in PATH into this instance, which must be empty (no table, no file),
        after checking every file against its manifest; nothing is restored on a mismatch."""
        from cdess.ops import backup as backups

        try:
            manifest = backups.restore(path)
        except backups.BackupError as error:
            raise click.ClickException("\n".join(error.problems)) from error
        click.echo(
            f"Sauvegarde du {manifest['created_at']} restaurée : {len(manifest['files'])} "
            f"fichier(s) vérifié(s), empreinte du manifeste {backups.manifest_digest(path)}."
        )
        click.echo(
            "Ensuite : flask --app cdess init-db (migrations), flask --app cdess audit verify."
        )

    storage_group = AppGroup("storage", help="Les fichiers déposés et la base.")
    app.cli.add_command(storage_group)

    @storage_group.command("check")
    @click.option("--fix", is_flag=True, help="Supprimer les fichiers orphelins et temporaires.")
    @click.option(
        "--older-than",
        type=click.FloatRange(min=0),
        default=0,
        help="Ignorer les fichiers plus récents (secondes) : quelques minutes, serveur en marche.",
    )
    def storage_check_command(fix, older_than):
        """Compare each upload folder with the database — the applications' evidence, the
        follow-ups' documents, the reports' files: files no row points at (orphans,
        temporary files of an upload cut short; removed with --fix) and rows whose file is
        missing. Exit 1 when something is left to see to."""
        from cdess.applications import evidence
        from cdess.followups import services as followups
        from cdess.reports import services as reports

        stores = (
            ("Pièces des dossiers", evidence.check_storage, _document_of_application),
            ("Pièces des suivis annuels", followups.check_storage, _document_of_followup),
            ("Pièces des signalements", reports.check_storage, _file_of_report),
        )
        names = {
            "orphan_files": "Fichiers orphelins",
            "temporary": "Fichiers temporaires",
            "missing_files": "Fichiers manquants (lignes sans fichier)",
            "removed": "Fichiers supprimés",
        }
        left = ["missing_files"] if fix else ["missing_files", "orphan_files", "temporary"]
        failed = False
        for store, check, describe in stores:
            report = check(fix=fix, older_than=older_than)
            click.echo(f"{store}")
            for key, title in names.items():
                click.echo(f"  {title} : {len(report[key])}")
                for item in report[key]:
                    click.echo(f"    {describe(item) if isinstance(item, dict) else item}")
            failed = failed or any(report[key] for key in left)
        if failed:
            raise click.exceptions.Exit(1)

    @app.cli.command("reminders")
    @click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Jour de référence (tests).")
    def reminders_command(today):
        """Daily: remind structures whose label ends in 90 and 30 days (once each), mark the
        labels past their end as expired, run the annual follow-ups' calendar (open, remind,
        flag: each step once), and publish the journal's head of the day."""
        from datetime import date

        from cdess.audit import services as audit
        from cdess.certificates.services import send_reminders
        from cdess.followups.services import run as run_followups

        day = today.date() if today else date.today()
        sent, expired = send_reminders(day)
        followups = run_followups(day)
        head = audit.publish()
        db.session.commit()
        click.echo(f"Rappels envoyés : {sent} ; labels arrivés à échéance : {expired}.")
        click.echo(str(followups))
        click.echo(f"Tête du journal publiée : {head.count} entrées, {head.head}.")

    @app.cli.command("retention")
    @click.option("--dry-run", is_flag=True, help="Dire ce qui serait fait, sans rien changer.")
    def retention_command(dry_run):
        """Daily: delete the accounts never confirmed, the drafts untouched for years, and erase
        the accounts inactive for years once their owners were warned by email (RGPD retention
        periods; settings RETENTION_*). Every purge in the journal; run twice, nothing more."""
        from cdess.clock import utcnow
        from cdess.privacy import retention

        report = retention.run(utcnow(), dry_run=dry_run)
        if dry_run:
            db.session.rollback()
            click.echo("Simulation : rien n'a été changé ni envoyé.")
        else:
            db.session.commit()
        for line in report.lines():
            click.echo(line)

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
    @click.option(
        "--structures",
        type=click.IntRange(min=STRUCTURE_COUNT),
        default=STRUCTURE_COUNT,
        show_default=True,
        help="Structures du territoire : au-delà de celles de la démonstration, d'autres sont "
        "ajoutées (18 % signataires de la charte).",
    )
    def demo_command(if_empty, structures):
        """Load the realistic demo dataset (refuses a database holding real data); with
        --structures N, grow its territory to N structures (a loaded demo too)."""
        from cdess import demo
        from cdess.demo.grow import grow

        init_db()
        state = demo.database_state()
        if state == "real":
            if if_empty:
                click.echo("La base contient déjà des données : démonstration non chargée.")
                return
            raise click.ClickException(
                "Cette base contient des données qui ne sont pas de démonstration : refus."
            )
        summary = []
        try:
            if state == "demo":
                click.echo("Les données de démonstration sont déjà chargées.")
            else:
                summary = demo.load()
                db.session.commit()
            growth = grow(structures)
        except demo.DemoIntegrityError as error:
            db.session.rollback()
            raise click.ClickException(
                "Données de démonstration refusées :\n" + "\n".join(error.problems)
            ) from error
        db.session.commit()
        for line in summary:
            click.echo(line)
        if growth.structures:
            click.echo(
                f"Territoire agrandi : {_grouped(growth.structures)} structures ajoutées, dont "
                f"{_grouped(growth.signatures)} signataires de la charte ; "
                f"{_grouped(structures)} en tout."
            )
        if summary:
            click.echo(
                f"Mot de passe de tous les comptes de démonstration : "
                f"{current_app.config['DEMO_PASSWORD']}"
            )


def _grouped(number: int) -> str:
    """A count as French writes it: 196\u202f555."""
    return f"{number:,}".replace(",", "\u202f")


def _document_of_application(row: dict) -> str:
    return f"pièce {row['document_id']} du dossier {row['application_id']} : {row['stored_name']}"


def _document_of_followup(row: dict) -> str:
    return f"pièce {row['document_id']} du suivi {row['followup_id']} : {row['stored_name']}"


def _file_of_report(row: dict) -> str:
    return f"signalement {row['report_id']} : {row['stored_name']}"
