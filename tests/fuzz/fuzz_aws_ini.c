/*
 * Fuzz target: the AWS INI reader (kpi__aws_ini_get in net/aws.c), which
 * reads ~/.aws/credentials and ~/.aws/config: a few sections and keys as
 * the credential chain asks them. What it returns is a substring of one
 * line of the text.
 */
#include "fuzz.h"
#include <stdlib.h>
#include <string.h>
#include "net/aws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sections[] = { "default", "profile dev", "dev", "sso-session x" };
	static const char *const keys[] = { "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "region",
		                            "credential_process", "role_arn" };
	char *text;

	fuzz_quiet();
	text = fuzz_strndup(data, size);
	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++)
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			char *v = NULL;
			bool found = false;
			int rc = kpi__aws_ini_get(&v, &found, text, sections[s], keys[k]);
			if (rc == 0 && (!v || strchr(v, '\n') || strlen(v) > strlen(text)))
				fuzz_fail("a value that is not part of one line", keys[k]);
			if (rc != 0 && v)
				fuzz_fail("a value returned with an error", keys[k]);
			free(v);
		}
	free(text);
	return 0;
}
