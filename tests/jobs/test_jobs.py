"""Jobs run after the commit that asked for them: inline without Redis (the page that follows
finds them done), through RQ with it (a worker runs them; the progress page follows). A job
that fails is shown and retried without redoing what it did; asking twice gives one job."""

import re

import pytest

from cdess.certificates.models import Certificate
from cdess.extensions import db
from cdess.jobs import services as jobs
from cdess.jobs.models import Job, JobKind, JobState
from cdess.sessions.models import CouncilSession, SessionStatus
from cdess.sessions.services import council_members
from tests.factories import html, redis_url, statements


def _jobs() -> list[Job]:
    return list(db.session.execute(db.select(Job).order_by(Job.id)).scalars())


def _issued() -> list[Certificate]:
    return list(db.session.execute(db.select(Certificate).order_by(Certificate.id)).scalars())


# --- inline: the embedded default -------------------------------------------------------------


def test_closing_a_session_writes_its_minutes_right_after_the_commit(
    client, login, open_session, people
):
    login(people["president"])
    response = client.post(f"/seances/{open_session.id}/cloture")
    assert response.status_code == 302
    assert response.location.endswith(f"/seances/{open_session.id}/direct#direct")
    (job,) = _jobs()
    assert (job.kind, job.state, job.attempts) == (JobKind.minutes, JobState.done, 1)
    assert (job.progress_done, job.progress_total, job.requested_by_id) == (
        1,
        1,
        people["president"].id,
    )
    session = db.session.get(CouncilSession, open_session.id)
    assert session.status is SessionStatus.closed and session.minutes_pdf.startswith(b"%PDF-")
    assert "Séance close\u00a0: le procès-verbal est prêt." in html(client.get(response.location))
    page = html(client.get(f"/travaux/{job.id}"))
    assert "Rédaction du procès-verbal — séance du 20 mai 2026" in page
    assert "État\u00a0: terminé" in page and "Le procès-verbal est prêt." in page
    assert f'href="/seances/{session.id}/proces-verbal.pdf">Ouvrir le procès-verbal (PDF)' in page
    assert 'aria-live="polite"' in page and "Relancer" not in page
    assert '<progress id="travail-progression" max="1" value="1">1 / 1</progress>' in page


def test_a_session_s_certificates_issued_by_a_job_then_the_batch_page(
    client, login, granted_session, people, outbox
):
    login(people["secretariat"])
    url = f"/seances/{granted_session.id}/certificats"
    response = client.post(url)
    certificates = _issued()
    assert len(certificates) == 2
    batch = ",".join(str(c.id) for c in certificates)
    assert response.status_code == 302 and response.location.endswith(f"{url}?lot={batch}")
    (job,) = _jobs()
    assert job.kind is JobKind.certificates and job.state is JobState.done
    assert (job.progress_done, job.progress_total, job.completed) == (
        2,
        2,
        [c.id for c in certificates],
    )
    assert "2 certificats viennent d'être délivrés" in html(client.get(response.location))
    page = html(client.get(f"/travaux/{job.id}"))
    assert "2 certificat(s) délivré(s) sur 2." in page
    assert f'href="{url}?lot={batch}">Voir les certificats délivrés' in page
    mails = len(outbox())
    # Clicking again: nothing waits, nothing issued, no second job.
    again = client.post(url)
    assert again.location.endswith(url) and len(_jobs()) == 1
    assert len(_issued()) == 2 and len(outbox()) == mails


def test_convening_sends_the_convocations_by_a_job(client, login, planned_session, people, outbox):
    login(people["secretariat"])
    response = client.post(f"/seances/{planned_session.id}/convocation", follow_redirects=True)
    members = len(council_members())
    (job,) = _jobs()
    assert job.kind is JobKind.convocations and job.state is JobState.done
    sent = len(outbox())
    assert sent == job.progress_total == job.progress_done == members + 1  # and the applicant
    assert len(set(job.completed)) == sent
    assert f"Conseil convoqué\u00a0: {sent} courriel(s) envoyé(s)." in html(response)


def test_the_reminders_command_runs_a_job(app):
    result = app.test_cli_runner().invoke(args=["reminders", "--today", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert "Rappels envoyés : 0 ; labels arrivés à échéance : 0." in result.output
    (job,) = _jobs()
    assert job.kind is JobKind.reminders and job.state is JobState.done
    assert (job.progress_done, job.progress_total, job.requested_by_id) == (3, 3, None)
    # Without Redis there is no queue to work for.
    refused = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert refused.exit_code == 1 and "REDIS_URL" in refused.output


# --- asking twice -----------------------------------------------------------------------------


def test_the_same_key_asked_twice_gives_one_job(app, people):
    args = {"today": "2026-06-01"}
    first = jobs.enqueue(JobKind.reminders, args, people["secretariat"], "rappels:1")
    again = jobs.enqueue(JobKind.reminders, args, people["secretariat"], "rappels:1")
    assert again is first
    db.session.commit()  # runs once, after the commit
    later = jobs.enqueue(JobKind.reminders, args, people["president"], "rappels:1")
    db.session.commit()
    assert later.id == first.id and len(_jobs()) == 1
    assert later.state is JobState.done and later.attempts == 1
    assert later.requested_by_id == people["secretariat"].id


def test_a_rollback_forgets_the_job(app, granted_session, people):
    jobs.enqueue(JobKind.certificates, {"session_id": granted_session.id}, None, "lot:2")
    db.session.rollback()
    db.session.commit()
    assert _jobs() == [] and _issued() == []


# --- failure and retry ------------------------------------------------------------------------


def test_a_failed_batch_is_shown_and_retried_without_issuing_twice(
    client, login, granted_session, people, monkeypatch, outbox
):
    from cdess.certificates import services as certificates

    real_issue, calls = certificates.issue, []

    def issue(application, actor, **kwargs):  # the second certificate fails, once
        calls.append(application.id)
        if len(calls) == 2:
            raise OSError("disque plein")
        return real_issue(application, actor, **kwargs)

    monkeypatch.setattr(certificates, "issue", issue)
    login(people["secretariat"])
    response = client.post(f"/seances/{granted_session.id}/certificats")
    (job,) = _jobs()
    assert response.location.endswith(f"/travaux/{job.id}")
    assert job.state is JobState.failed and job.error == "OSError: disque plein"
    assert (job.progress_done, job.progress_total) == (1, 2)
    (first,) = _issued()
    page = html(client.get(response.location))
    assert "Ce travail a échoué\u00a0: il peut être relancé depuis cette page." in page
    assert "État\u00a0: en échec" in page and "Erreur\u00a0: OSError: disque plein" in page
    assert f'action="/travaux/{job.id}/relancer"' in page and ">Relancer</button>" in page
    batch_page = html(client.get(f"/seances/{granted_session.id}/certificats"))
    assert "La délivrance des certificats de cette séance a échoué." in batch_page
    assert f'href="/travaux/{job.id}">Suivre le travail' in batch_page
    # The president who did not ask reads nothing of it.
    client.post("/compte/deconnexion")
    login(people["president"])
    assert client.get(f"/travaux/{job.id}").status_code == 403
    assert client.post(f"/travaux/{job.id}/relancer").status_code == 403
    client.post("/compte/deconnexion")
    login(people["secretariat"])
    mails = len(outbox())
    retried = client.post(f"/travaux/{job.id}/relancer", follow_redirects=True)
    assert "Travail relancé." in html(retried)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state is JobState.done and job.attempts == 2 and job.error == ""
    issued = _issued()
    assert [c.id for c in issued][:1] == [first.id] and len(issued) == 2
    assert job.completed == [c.id for c in issued]
    assert [n.number[-4:] for n in issued] == ["0001", "0002"]
    assert len(outbox()) - mails == 1  # only the second certificate's email
    assert "a échoué" not in html(client.get(f"/seances/{granted_session.id}/certificats"))
    # Done, it is not retried again.
    again = client.post(f"/travaux/{job.id}/relancer", follow_redirects=True)
    assert "Ce travail n'est ni en échec ni interrompu\u00a0: il n'y a rien à relancer." in html(
        again
    )


def test_a_job_whose_worker_died_is_shown_interrupted_and_retried(
    client, login, granted_session, people
):
    """A job still « running » past RQ's timeout was on a worker that died: the page says so
    and offers « Relancer »; one running for a minute is left alone."""
    from datetime import timedelta

    from cdess.clock import utcnow

    def running(key: str, since: timedelta, state=JobState.running) -> Job:
        job = Job(
            kind=JobKind.certificates,
            args={"session_id": granted_session.id},
            requested_by=people["secretariat"],
            state=state,
            queued_at=utcnow() - since,
            started_at=utcnow() - since if state is JobState.running else None,
            attempts=1 if state is JobState.running else 0,
            key=key,
        )
        db.session.add(job)
        db.session.commit()
        return job

    busy, dead = running("busy", timedelta(minutes=1)), running("dead", timedelta(minutes=36))
    waiting = running("waiting", timedelta(minutes=2), JobState.queued)
    lost = running("lost", timedelta(minutes=40), JobState.queued)
    assert [j.interrupted for j in (busy, dead, waiting, lost)] == [False, True, False, True]
    login(people["secretariat"])
    page = html(client.get(f"/travaux/{busy.id}"))
    assert "État\u00a0: en cours" in page and "relancer" not in page
    refused = client.post(f"/travaux/{busy.id}/relancer", follow_redirects=True)
    assert "Ce travail n'est ni en échec ni interrompu" in html(refused)
    page = html(client.get(f"/travaux/{dead.id}"))
    assert "Ce travail s'est interrompu\u00a0: il n'avance plus depuis plus de 35 minutes" in page
    assert f'action="/travaux/{dead.id}/relancer"' in page
    client.post(f"/travaux/{dead.id}/relancer")
    db.session.expire_all()
    dead, busy = db.session.get(Job, dead.id), db.session.get(Job, busy.id)
    assert dead.state is JobState.done and dead.attempts == 2 and len(_issued()) == 2
    assert busy.state is JobState.running
    # Lost from the queue: retried, it runs once, and the certificates are not issued again.
    assert client.post(f"/travaux/{waiting.id}/relancer").status_code == 302
    client.post(f"/travaux/{lost.id}/relancer")
    db.session.expire_all()
    assert db.session.get(Job, lost.id).state is JobState.done and len(_issued()) == 2
    assert db.session.get(Job, waiting.id).state is JobState.queued


def test_who_asked_but_lost_the_right_since_may_not_retry(client, login, granted_session, people):
    """« Relancer » asks for the permission of the action that asked for the job, again: an
    agent who is no longer one reads their job but does not retry it."""
    from cdess.accounts.models import Role
    from cdess.clock import utcnow

    agent = people["secretariat"]
    job = Job(
        kind=JobKind.certificates,
        args={"session_id": granted_session.id},
        requested_by=agent,
        state=JobState.failed,
        started_at=utcnow(),
        finished_at=utcnow(),
        error="OSError: disque plein",
        attempts=1,
        key="lost-right",
    )
    db.session.add(job)
    db.session.commit()
    login(agent)
    assert f'action="/travaux/{job.id}/relancer"' in html(client.get(f"/travaux/{job.id}"))
    agent.set_roles({Role.applicant})
    db.session.commit()
    page = html(client.get(f"/travaux/{job.id}"))
    assert "Ce travail a échoué." in page and "/relancer" not in page
    assert client.post(f"/travaux/{job.id}/relancer").status_code == 403
    db.session.refresh(job)
    assert job.state is JobState.failed and _issued() == []


def test_a_failed_mailing_sends_only_the_rest_when_retried(
    app, planned_session, people, monkeypatch, outbox
):
    from cdess.sessions import convocation, live

    real_build, built = convocation.build_message, []

    def build(to, *args, **kwargs):  # the third letter fails, once
        built.append(to)
        if len(built) == 3:
            raise RuntimeError("serveur de courriel injoignable")
        return real_build(to, *args, **kwargs)

    monkeypatch.setattr(convocation, "build_message", build)
    live.convene(planned_session, people["secretariat"])
    job = jobs.enqueue(
        JobKind.convocations, {"session_id": planned_session.id}, people["secretariat"], "c:1"
    )
    db.session.commit()
    db.session.refresh(job)
    assert job.state is JobState.failed and (job.progress_done, len(outbox())) == (2, 2)
    jobs.retry(job)
    db.session.commit()
    db.session.refresh(job)
    assert job.state is JobState.done and job.attempts == 2
    recipients = [m["To"] for m in outbox()]
    assert len(recipients) == len(set(recipients)) == job.progress_total
    with pytest.raises(jobs.JobError):
        jobs.retry(job)


def test_letters_the_mail_server_refuses_are_kept_and_not_counted_as_sent(
    app, planned_session, people, monkeypatch
):
    """The mail server out of reach (a port where nothing listens): every letter is kept in
    outbox/non-envoyes/ for a person to send, the job says so and counts none as sent."""
    import socket
    from pathlib import Path

    from cdess.sessions import live

    with socket.socket() as probe:  # a free port, closed again: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    live.convene(planned_session, people["secretariat"])
    job = jobs.enqueue(
        JobKind.convocations, {"session_id": planned_session.id}, people["secretariat"], "c:2"
    )
    db.session.commit()
    db.session.refresh(job)
    total = job.progress_total
    assert job.state is JobState.done and total > 0
    assert jobs.delivered_and_kept(job) == (0, total)
    assert job.message_values == {"n": 0, "total": total, "kept": total}
    assert "gardé(s) pour être envoyé(s) à la main" in job.message
    kept = list((Path(app.config["OUTBOX_DIR"]) / "non-envoyes").glob("*.eml"))
    assert len(kept) == total


# --- the page's cost and its refresh ----------------------------------------------------------


def test_the_job_page_reads_a_bounded_number_of_statements(
    client, login, people, app, granted_session
):
    login(people["secretariat"])

    def job(done: int) -> Job:
        made = jobs.enqueue(
            JobKind.certificates,
            {"session_id": granted_session.id},
            people["president"],
            f"q{done}",
        )
        made.state, made.started_at, made.attempts = JobState.running, made.created_at, 1
        made.progress_done, made.progress_total = done, 500
        made.completed = list(range(done))
        db.session.info.pop("cdess_jobs", None)  # not run: the page is read while it runs
        db.session.commit()
        return made

    def count(url: str, **headers) -> tuple[int, int]:
        db.session.commit()
        with statements() as seen:
            response = client.get(url, headers=headers)
        return response.status_code, len(seen)

    small, large = job(1), job(400)
    count(f"/travaux/{small.id}")  # the first page loads the signed-in user
    few = count(f"/travaux/{small.id}")
    assert few == count(f"/travaux/{large.id}")
    # The signed-in user (2), the job with its asker's name, the session's day.
    assert few[0] == 200 and few[1] <= 4, few
    # The refresh: its version unchanged, 304 in as few statements.
    state = client.get(f"/travaux/{large.id}/etat")
    etag = state.headers["ETag"]
    assert state.status_code == 200 and "400 sur 500" in html(state)
    assert count(f"/travaux/{large.id}/etat", **{"If-None-Match": etag}) == (304, few[1] - 1)
    large.progress_done = 401
    db.session.commit()
    assert count(f"/travaux/{large.id}/etat", **{"If-None-Match": etag})[0] == 200


# --- RQ on the real Redis ---------------------------------------------------------------------

# The tests flushing this Redis database stay on one worker (`--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("redis-jobs")
REDIS_DB = redis_url(5)


@pytest.fixture
def redis_queue(app):
    from redis import Redis

    connection = Redis.from_url(REDIS_DB)
    connection.flushdb()
    yield jobs.queue(REDIS_DB)
    connection.flushdb()
    connection.close()


@pytest.mark.parametrize("app_config", [{"REDIS_URL": REDIS_DB}])
def test_with_redis_a_worker_writes_the_minutes_and_the_page_follows(
    app, client, login, open_session, people, redis_queue
):
    from rq import SimpleWorker

    login(people["president"])
    response = client.post(f"/seances/{open_session.id}/cloture")
    (job,) = _jobs()
    assert response.location.endswith(f"/travaux/{job.id}")
    assert job.state is JobState.queued and redis_queue.count == 1
    page = html(client.get(response.location))
    assert "Séance close\u00a0: le procès-verbal est en cours de rédaction." in page
    assert "État\u00a0: en attente" in page and "Ouvrir le procès-verbal" not in page
    assert '<meta http-equiv="refresh" content="5">' in page
    etag = client.get(f"/travaux/{job.id}/etat").headers["ETag"]
    live = html(client.get(f"/seances/{open_session.id}/direct"))
    assert "Le procès-verbal est en cours de rédaction" in live
    assert f'href="/travaux/{job.id}"' in live and "proces-verbal.pdf" not in live

    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)

    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state is JobState.done and job.attempts == 1 and redis_queue.count == 0
    assert db.session.get(CouncilSession, open_session.id).minutes_pdf.startswith(b"%PDF-")
    panel = client.get(f"/travaux/{job.id}/etat", headers={"If-None-Match": etag})
    assert panel.status_code == 200 and "État\u00a0: terminé" in html(panel)
    assert re.search(r'data-live-summary="[^"]*terminé', html(panel))
    assert "Ouvrir le procès-verbal (PDF)" in html(panel)
    assert "proces-verbal.pdf" in html(client.get(f"/seances/{open_session.id}/direct"))
    # `flask worker --burst`: the same worker, from the command line, on the queue left empty.
    assert app.test_cli_runner().invoke(args=["worker", "--burst"]).exit_code == 0


def test_a_batch_s_key_stays_short_whatever_its_files():
    from cdess.certificates.views import batch_key

    many = list(range(10_000, 10_400))  # 400 files of five-digit ids
    key = batch_key(7, many)
    assert len(key) <= 200 and key.startswith("certificates:7:")
    assert key == batch_key(7, list(reversed(many))) and key != batch_key(7, many[:-1])
