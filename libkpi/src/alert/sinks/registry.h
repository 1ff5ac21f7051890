/*
 * The registered alert sinks, one line each: KPI__SINK(name) registers
 * `kpi__sink_<name>`, the operations table that sinks/<name>.c defines
 * (sinks/sink.h). The order is that of the "type must be ..." message.
 * Included by sinks/sink.h and sinks/registry.c with KPI__SINK defined;
 * read by libkpi/CMakeLists.txt, which builds sinks/<name>.c for each line.
 *
 * ---- Add a sink ------------------------------------------------------------
 *
 * A sink type is one file, sinks/<name>.c, and one line here. Nothing outside
 * alert/sinks/ changes: the config parser takes the type's name and keys
 * from its table ("type must be ..." lists the registry), the run and the
 * outbox ask the table for what differs between receivers.
 *
 * 1. sinks/<name>.c defines `const kpi__sink_type kpi__sink_<name>` (see
 *    sinks/sink.h) and a state struct of its own, with:
 *    - name: the config's "type" value, lower case.
 *    - keys: its own keys of the sink object, NULL-terminated (type,
 *      min_severity, timeout_seconds are common). Any other key is refused
 *      with file:line:col; a key K whose "K_env" is listed is refused as "a
 *      secret in the config file".
 *    - parse: its keys into its state. Secrets ONLY from the environment,
 *      through kpi__sink_secret_env() (a `*_env` key names the variable; it
 *      reads the config's copy, kpi_config_env(), and adds the value and its
 *      meaningful parts to the run's redaction set, core/redact.h, so no
 *      output of the run holds it). Anything
 *      derived from a secret that could show up in a message (a base64
 *      credential) is added too, with kpi__alert_secret_add(). URLs in the
 *      file through kpi__sink_url_check() (no user:password@). Errors are
 *      KPI_ECONFIG through kpi__jsondoc_error() naming the sink, never a
 *      secret. Set *state as soon as it is allocated: free() cleans up a
 *      half-parsed one.
 *    - send: ONE attempt, no retry loop of its own (the outbox retries with
 *      backoff and counts attempts). Classify: OK on acceptance; RETRY for
 *      429 (honour Retry-After: res->retry_after), 5xx, timeouts, refused or
 *      broken connections, throttling; TERMINAL for what another attempt
 *      cannot fix (other 4xx, bad credentials, a program that cannot run).
 *      JSON over HTTP: kpi__sink_post_json() does the posting, the
 *      classification and the redacted answer snippet. Never store a secret
 *      in the notification (it is saved in the ledger): add it at send time.
 *      Idempotency: the same notification is sent again after a crash or a
 *      retry; pass a stable key to the receiver (`idem`, the notification's
 *      id; its dedupe_key for the incident) so it can fold repeats.
 *    - where: a secret-free description of where it delivers (logs).
 *    - free: its state, every secret through kpi__sink_wipe() (zeroed, then
 *      freed); accepts NULL.
 *    - test_resolves: true when the receiver keeps an incident open until
 *      resolved (kpi alert --test then resolves its test notification).
 *    - refresh_every_run: true when the receiver forgets a firing alert
 *      unless told again (the run then queues a refresh per run while it
 *      fires; one entry per alert and sink, a newer one supersedes).
 * 2. One line below, KPI__SINK(<name>) (CMake builds sinks/<name>.c for it).
 * 3. Docs: docs/configuration.md (the sinks table: keys, what is sent,
 *    when it counts as delivered), docs/runbook.md if operators see
 *    something new, and every environment variable the docs name for it in
 *    .env.example (integration_cli_docs checks the ones the code names).
 * 4. Tests: tests/unit/test_alert.c (its keys, errors, secrets redacted);
 *    an integration test against the real receiver when one can run on
 *    loopback (else tests/tools/responder.py playing it): the wire format,
 *    retry vs terminal answers, a receiver down then up (delivered once,
 *    late), no secret in stdout, the logs or the state directory
 *    (it_assert_no_secrets), registered in tests/integration/CMakeLists.txt
 *    with the label integration.
 */
KPI__SINK(pagerduty)
KPI__SINK(slack)
KPI__SINK(webhook)
KPI__SINK(sns)
KPI__SINK(command)
KPI__SINK(alertmanager)
