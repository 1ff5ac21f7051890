/*
 * Replay: feed files to a fuzz target's entry point without libFuzzer, so
 * the seed corpus and every regression input run as a normal test of the
 * plain and sanitizer builds (any compiler).
 *
 *   fuzz_replay_TARGET PATH...    each PATH a file or a directory of files
 *
 * Exit 0 when every input returned; a crash, a sanitizer report or a
 * broken invariant (fuzz_fail) aborts, as under libFuzzer. An empty or
 * missing directory is fine (a target may have no regression yet); no input
 * at all is an error.
 */
#include "fuzz.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;
		if (cap - n < 4096) {
			uint8_t *p = realloc(data, cap = cap * 2 + 65536);
			if (!p) {
				fclose(f);
				free(data);
				return -1;
			}
			data = p;
		}
		if ((got = fread(data + n, 1, cap - n, f)) == 0)
			break;
		n += got;
	}
	fclose(f);
	/* exactly `n` bytes, as libFuzzer passes them: a copy of that size, so
	 * ASan sees a read past the input */
	{
		uint8_t *exact = malloc(n ? n : 1);
		if (!exact) {
			free(data);
			return -1;
		}
		memcpy(exact, data, n);
		free(data);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t count = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0)
			continue; /* no regressions yet */
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			char **names = NULL;
			size_t n = 0;
			while (d && (e = readdir(d))) {
				char **p;
				if (e->d_name[0] == '.')
					continue;
				if (!(p = realloc(names, (n + 1) * sizeof(*names))))
					return 1;
				names = p;
				names[n] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
				if (!names[n])
					return 1;
				sprintf(names[n++], "%s/%s", argv[i], e->d_name);
			}
			if (d)
				closedir(d);
			qsort(names, n, sizeof(*names), by_name);
			for (size_t j = 0; j < n; j++) {
				fprintf(stderr, "replay: %s\n", names[j]);
				if (run_file(names[j]))
					return 1;
				count++;
				free(names[j]);
			}
			free(names);
		} else {
			fprintf(stderr, "replay: %s\n", argv[i]);
			if (run_file(argv[i]))
				return 1;
			count++;
		}
	}
	if (!count) {
		fprintf(stderr, "replay: no input found\n");
		return 1;
	}
	fprintf(stderr, "replay: %zu inputs, no crash\n", count);
	return 0;
}
