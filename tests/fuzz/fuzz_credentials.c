/*
 * Fuzz target: the answers the AWS credential chain parses (net/aws_*.c):
 * a credential_process program's output (kpi__aws_process_parse, JSON,
 * Version 1), an STS AssumeRole / AssumeRoleWithWebIdentity answer
 * (kpi__aws_sts_parse, XML through libxml2 with entities and the network
 * off) and an STS error answer (kpi__aws_sts_error). The same bytes go to
 * all three. What a parse accepts has every key; an error is one line.
 */
#include "fuzz.h"
#include <stdlib.h>
#include <string.h>
#include "net/aws_process.h"
#include "net/aws_sts.h"

#define NOW 1793577600 /* 2026-11-02: a fixed clock, the same path for the same input */

static void check(const kpi__aws_keys *k, int rc, const kpi_error *err, const char *what)
{
	if (rc == 0 && (!k->access_key || !*k->access_key || !k->secret_key || !*k->secret_key))
		fuzz_fail("credentials accepted without a key", what);
	if (rc != 0 && strchr(err->message, '\n'))
		fuzz_fail("a message of two lines", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const actions[] = { "AssumeRole", "AssumeRoleWithWebIdentity" };
	char *text, code[128], msg[400];

	fuzz_quiet();
	text = fuzz_strndup(data, size);
	{
		kpi__aws_keys k = { 0 };
		kpi_error err = KPI_ERROR_INIT;
		int rc = kpi__aws_process_parse(&k, text, NOW, &err);
		check(&k, rc, &err, "credential_process");
		kpi__aws_keys_release(&k);
	}
	for (size_t a = 0; a < sizeof(actions) / sizeof(actions[0]); a++) {
		kpi__aws_keys k = { 0 };
		kpi_error err = KPI_ERROR_INIT;
		int rc = kpi__aws_sts_parse(&k, (const char *)data, size, actions[a], NOW, &err);
		check(&k, rc, &err, actions[a]);
		kpi__aws_keys_release(&k);
	}
	kpi__aws_sts_error((const char *)data, size, code, sizeof(code), msg, sizeof(msg));
	if (strchr(code, '\n') || strchr(msg, '\n'))
		fuzz_fail("an STS error of two lines", "kpi__aws_sts_error");
	free(text);
	return 0;
}
