/*
 * Utilities (util.c, jsondoc.c, error.c): atomic writes, SHA-256, files,
 * paths, errors, and JSON documents with value positions.
 */
#include "unit.h"
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a scratch directory per test ---- */

typedef struct fx {
	char dir[256];
} fx;

static int rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		chmod(path, 0700);
		while (d && (e = readdir(d))) {
			char sub[1024];
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		if (d)
			closedir(d);
		return rmdir(path);
	}
	return unlink(path);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/kpi-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	rm_rf(f->dir);
	free(f);
	return 0;
}

static const char *in_dir(fx *f, const char *name)
{
	static char buf[1024];
	snprintf(buf, sizeof(buf), "%s/%s", f->dir, name);
	return buf;
}

/* The names in the scratch directory, sorted, joined with '|'. */
static void listing(fx *f, char *out, size_t size)
{
	struct dirent **names = NULL;
	int n = scandir(f->dir, &names, NULL, alphasort);
	size_t off = 0;

	out[0] = '\0';
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			off += (size_t)snprintf(out + off, size - off, "%s%s", off ? "|" : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static void write_plain(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

/* ---- kpi__write_file_atomic ---- */

static void test_write_file_atomic__writes_exact_content(void **state)
{
	fx *f = *state;
	static const char data[] = "line one\nbinary \0 byte\n";
	char path[1024], *back;
	kpi_error err = KPI_ERROR_INIT;
	struct stat st;

	snprintf(path, sizeof(path), "%s", in_dir(f, "out.json"));
	assert_int_equal(kpi__write_file_atomic(path, data, sizeof(data) - 1, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, sizeof(data) - 1);
	back = slurp(path);
	assert_non_null(back);
	assert_memory_equal(back, data, sizeof(data) - 1);
	free(back);
}

static void test_write_file_atomic__leaves_no_temp_file(void **state)
{
	fx *f = *state;
	char names[1024];

	assert_int_equal(kpi__write_file_atomic(in_dir(f, "a.txt"), "A", 1, NULL), 0);
	assert_int_equal(kpi__write_file_atomic(in_dir(f, "a.txt"), "AA", 2, NULL), 0);
	assert_int_equal(kpi__write_file_atomic(in_dir(f, "b.txt"), "", 0, NULL), 0);
	listing(f, names, sizeof(names));
	assert_string_equal(names, "a.txt|b.txt");
}

static void test_write_file_atomic__replaces_existing_file(void **state)
{
	fx *f = *state;
	char path[1024], *back;

	snprintf(path, sizeof(path), "%s", in_dir(f, "ledger.json"));
	write_plain(path, "old content that is longer than the new one");
	assert_int_equal(kpi__write_file_atomic(path, "new", 3, NULL), 0);
	back = slurp(path);
	assert_string_equal(back, "new");
	free(back);
}

static void test_write_file_atomic__missing_directory_fails_cleanly(void **state)
{
	fx *f = *state;
	char path[1024], names[1024];
	kpi_error err = KPI_ERROR_INIT;

	snprintf(path, sizeof(path), "%s", in_dir(f, "no/such/dir/x.json"));
	assert_int_equal(kpi__write_file_atomic(path, "x", 1, &err), KPI_EIO);
	assert_int_equal(err.code, KPI_EIO);
	assert_contains(err.message, "no/such/dir");
	listing(f, names, sizeof(names));
	assert_string_equal(names, "");
}

static void test_write_file_atomic__failure_keeps_the_old_file(void **state)
{
	fx *f = *state;
	char path[1024], tmp[1100], *back;
	kpi_error err = KPI_ERROR_INIT;

	snprintf(path, sizeof(path), "%s", in_dir(f, "pack.json"));
	write_plain(path, "old");
	/* Block the temp file's name with a directory: creating it fails even
	 * for root, for whom a read-only directory is no obstacle. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(kpi__write_file_atomic(path, "new", 3, &err), KPI_EIO);
	assert_true(err.message[0] != '\0');
	back = slurp(path);
	assert_string_equal(back, "old");
	free(back);
	rmdir(tmp);
}

static void test_write_file_atomic__unwritable_directory_keeps_the_old_file(void **state)
{
	fx *f = *state;
	char path[1024], names[1024], *back;
	kpi_error err = KPI_ERROR_INIT;

	if (geteuid() == 0)
		skip(); /* root writes into read-only directories; see the test above */
	snprintf(path, sizeof(path), "%s", in_dir(f, "pack.json"));
	write_plain(path, "old");
	assert_int_equal(chmod(f->dir, 0500), 0);
	assert_int_equal(kpi__write_file_atomic(path, "new", 3, &err), KPI_EIO);
	assert_int_equal(chmod(f->dir, 0700), 0);
	back = slurp(path);
	assert_string_equal(back, "old");
	free(back);
	listing(f, names, sizeof(names));
	assert_string_equal(names, "pack.json");
}

static void test_write_file_atomic__failed_rename_removes_temp_file(void **state)
{
	fx *f = *state;
	char path[1024], names[1024];
	kpi_error err = KPI_ERROR_INIT;

	/* The target is a non-empty directory: rename(2) fails after the temp
	 * file was written. */
	snprintf(path, sizeof(path), "%s", in_dir(f, "target"));
	assert_int_equal(mkdir(path, 0700), 0);
	write_plain(in_dir(f, "target/keep"), "k");
	assert_int_equal(kpi__write_file_atomic(path, "new", 3, &err), KPI_EIO);
	listing(f, names, sizeof(names));
	assert_string_equal(names, "target");
}

/* ---- kpi_sha256_hex ---- */

static void test_sha256_hex__known_vectors(void **state)
{
	char hex[65];
	(void)state;
	kpi_sha256_hex(hex, "abc", 3);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	kpi_sha256_hex(hex, "", 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	kpi_sha256_hex(hex, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256_hex__million_a_and_embedded_nul(void **state)
{
	char hex[65], hex2[65];
	char *a = malloc(1000000);
	(void)state;
	assert_non_null(a);
	memset(a, 'a', 1000000);
	kpi_sha256_hex(hex, a, 1000000);
	free(a);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* The length is honoured past a NUL byte. */
	kpi_sha256_hex(hex, "ab\0c", 4);
	kpi_sha256_hex(hex2, "ab", 2);
	assert_string_not_equal(hex, hex2);
	assert_string_equal(hex2, "fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603");
}

/* ---- files, paths, errors ---- */

static void test_read_file__whole_file_and_missing_file(void **state)
{
	fx *f = *state;
	char *data = NULL, big[20000];
	size_t len = 0;
	kpi_error err = KPI_ERROR_INIT;

	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof(big) - 1] = '\0';
	write_plain(in_dir(f, "big.txt"), big);
	assert_int_equal(kpi__read_file(&data, &len, in_dir(f, "big.txt"), &err), 0);
	assert_int_equal(len, sizeof(big) - 1);
	assert_string_equal(data, big);
	free(data);
	assert_int_equal(kpi__read_file(&data, &len, in_dir(f, "absent.txt"), &err), KPI_ENOTFOUND);
	assert_null(data);
	assert_contains(err.message, "absent.txt");
}

/* A FIFO, a device and a directory are refused at once (opening the FIFO
 * with no writer would block, reading /dev/zero would never end), naming
 * the file and what it is. */
static void test_read_file__refuses_what_is_not_a_regular_file(void **state)
{
	fx *f = *state;
	char *data = NULL, sha[65];
	size_t len = 0;
	kpi_error err = KPI_ERROR_INIT;
	kpi__jsondoc *doc = NULL;

	assert_int_equal(mkfifo(in_dir(f, "fifo"), 0600), 0);
	assert_int_equal(kpi__read_file(&data, &len, in_dir(f, "fifo"), &err), KPI_EDATA);
	assert_null(data);
	assert_contains(err.message, "fifo' is a FIFO, not a regular file");
	assert_int_equal(kpi__read_file(&data, &len, "/dev/zero", &err), KPI_EDATA);
	assert_string_equal(err.message, "'/dev/zero' is a character device, not a regular file");
	assert_int_equal(kpi__read_file(&data, &len, f->dir, &err), KPI_EDATA);
	assert_contains(err.message, "is a directory, not a regular file");
	assert_int_equal(kpi__file_sha256(sha, NULL, in_dir(f, "fifo"), &err), KPI_EDATA);
	assert_contains(err.message, "is a FIFO, not a regular file");
	/* a query file is configuration: exit 3 (the config and the catalogue
	 * say so through kpi__config_file_error) */
	assert_int_equal(kpi__jsondoc_load_hashed(&doc, sha, in_dir(f, "fifo"), &err), KPI_ECONFIG);
	assert_int_equal(err.code, KPI_ECONFIG);
	assert_null(doc);
	assert_int_equal(kpi__config_file_error(KPI_EDATA, "catalogue", &err), KPI_ECONFIG);
	assert_contains(err.message, "catalogue: '");
}

static void test_read_file__refuses_a_file_above_its_cap(void **state)
{
	fx *f = *state;
	char *data = NULL, text[5001], sha[65];
	size_t len = 0;
	uint64_t size = 0;
	kpi_error err = KPI_ERROR_INIT;

	memset(text, 'x', 5000);
	text[5000] = '\0';
	write_plain(in_dir(f, "five.txt"), text);
	assert_int_equal(kpi__read_file_max(&data, &len, in_dir(f, "five.txt"), 5000, &err), 0);
	assert_int_equal(len, 5000);
	free(data);
	assert_int_equal(kpi__read_file_max(&data, &len, in_dir(f, "five.txt"), 4999, &err), KPI_EDATA);
	assert_null(data);
	assert_contains(err.message, "five.txt' is 5000 bytes, larger than kpi reads from such a file");
	/* the hash reads in chunks, whatever the size */
	assert_int_equal(kpi__file_sha256(sha, &size, in_dir(f, "five.txt"), &err), 0);
	assert_int_equal(size, 5000);
	{
		char want[65];
		kpi_sha256_hex(want, text, 5000);
		assert_string_equal(sha, want);
	}
}

static void test_path_join__slash_and_absolute(void **state)
{
	char *p;
	(void)state;
	p = kpi__path_join("/srv/kpi", "queries/x.sql");
	assert_string_equal(p, "/srv/kpi/queries/x.sql");
	free(p);
	p = kpi__path_join("/srv/kpi", "/etc/kpi.json");
	assert_string_equal(p, "/etc/kpi.json");
	free(p);
	p = kpi__path_join("", "x");
	assert_string_equal(p, "x");
	free(p);
	p = kpi__path_join(NULL, "x");
	assert_string_equal(p, "x");
	free(p);
}

static void test_error__set_wrap_clear_and_names(void **state)
{
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_error_set(&err, KPI_ECONFIG, "bad '%s' at %d", "x", 3), KPI_ECONFIG);
	assert_string_equal(err.message, "bad 'x' at 3");
	assert_int_equal(kpi_error_wrap(&err, "config %s", "f.json"), KPI_ECONFIG);
	assert_string_equal(err.message, "config f.json: bad 'x' at 3");
	assert_int_equal(err.code, KPI_ECONFIG);
	kpi_error_clear(&err);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.message, "");
	assert_int_equal(kpi_error_set(NULL, KPI_EIO, "ignored"), KPI_EIO);
	kpi_error_clear(NULL);
	assert_string_equal(kpi_code_name(KPI_ECONFIG), "config");
	assert_string_equal(kpi_code_name(KPI_EUSAGE), "usage");
	assert_non_null(kpi_code_name(12345));
	assert_non_null(kpi_version());
	assert_true(kpi_version()[0] >= '0' && kpi_version()[0] <= '9');
}

/* ---- kpi__jsondoc ---- */

/* "name:line:col: msg" for value `v` of `doc`. */
static const char *where(const kpi__jsondoc *doc, const json_t *v)
{
	static kpi_error err;
	kpi_error_clear(&err);
	assert_int_equal(kpi__jsondoc_error(doc, v, &err, KPI_ECONFIG, "msg"), KPI_ECONFIG);
	assert_int_equal(err.code, KPI_ECONFIG);
	return err.message;
}

static kpi__jsondoc *parse(const char *text)
{
	kpi__jsondoc *doc = NULL;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi__jsondoc_parse(&doc, "doc.json", text, strlen(text), &err) != 0) {
		print_error("%s\n", err.message);
		fail();
	}
	assert_non_null(doc);
	return doc;
}

static void test_jsondoc__positions_of_nested_values(void **state)
{
	const char *text = "{\n"
	                   "  \"a\": 1,\n"
	                   "  \"b\": [10, \"x\", {\"c\": 2.5}],\n"
	                   "\t\"d\": {\"e\": \"f\"}\n"
	                   "}\n";
	kpi__jsondoc *doc = parse(text);
	json_t *root = doc->root, *b = json_object_get(root, "b");
	(void)state;
	assert_string_equal(where(doc, root), "doc.json:1:1: msg");
	assert_string_equal(where(doc, json_object_get(root, "a")), "doc.json:2:8: msg");
	assert_string_equal(where(doc, b), "doc.json:3:8: msg");
	assert_string_equal(where(doc, json_array_get(b, 0)), "doc.json:3:9: msg");
	assert_string_equal(where(doc, json_array_get(b, 1)), "doc.json:3:13: msg");
	assert_string_equal(where(doc, json_array_get(b, 2)), "doc.json:3:18: msg");
	assert_string_equal(where(doc, json_object_get(json_array_get(b, 2), "c")), "doc.json:3:24: msg");
	assert_string_equal(where(doc, json_object_get(root, "d")), "doc.json:4:7: msg");
	assert_string_equal(where(doc, json_object_get(json_object_get(root, "d"), "e")), "doc.json:4:13: msg");
	kpi__jsondoc_free(doc);
}

static void test_jsondoc__columns_count_characters_and_skip_escapes(void **state)
{
	/* Multi-byte UTF-8, escaped quotes and backslashes and \u escapes in
	 * keys and values before the value whose position is asked. */
	const char *text = "{\"Zürich\": \"ä\\\"\\\\\", \"k\\u00e9y\": \"v\", \"n\": 7}";
	kpi__jsondoc *doc = parse(text);
	int line, col;
	char want[64];
	(void)state;
	/* Expected columns by counting characters in the text (test-side). */
	col = 1;
	for (const char *p = text; p < strstr(text, "7}"); p++)
		if (((unsigned char)*p & 0xC0) != 0x80)
			col++;
	line = 1;
	snprintf(want, sizeof(want), "doc.json:%d:%d: msg", line, col);
	assert_string_equal(where(doc, json_object_get(doc->root, "n")), want);
	assert_string_equal(where(doc, json_object_get(doc->root, "k\xc3\xa9y")), "doc.json:1:33: msg");
	assert_string_equal(where(doc, json_object_get(doc->root, "Z\xc3\xbcrich")), "doc.json:1:12: msg");
	kpi__jsondoc_free(doc);
}

static void test_jsondoc__crlf_line_ends(void **state)
{
	kpi__jsondoc *doc = parse("{\r\n  \"a\": [\r\n    \"x\"\r\n  ]\r\n}\r\n");
	(void)state;
	assert_string_equal(where(doc, json_array_get(json_object_get(doc->root, "a"), 0)),
	                    "doc.json:3:5: msg");
	kpi__jsondoc_free(doc);
}

static void test_jsondoc__booleans_and_null_fall_back_to_file_name(void **state)
{
	kpi__jsondoc *doc = parse("{\"t\": true, \"n\": null}");
	(void)state;
	assert_string_equal(where(doc, json_object_get(doc->root, "t")), "doc.json: msg");
	assert_string_equal(where(doc, json_object_get(doc->root, "n")), "doc.json: msg");
	assert_string_equal(where(doc, NULL), "doc.json: msg");
	kpi__jsondoc_free(doc);
}

static void test_jsondoc__syntax_error_has_line_and_column(void **state)
{
	kpi__jsondoc *doc = (kpi__jsondoc *)0x1;
	kpi_error err = KPI_ERROR_INIT;
	const char *text = "{\n  \"a\": [1, 2,, 3]\n}\n";
	(void)state;
	assert_int_equal(kpi__jsondoc_parse(&doc, "doc.json", text, strlen(text), &err), KPI_ECONFIG);
	assert_null(doc);
	/* The second comma of ",," is line 2, column 14. */
	assert_int_equal(strncmp(err.message, "doc.json:2:14: ", 15), 0);
}

static void test_jsondoc__rejects_duplicate_keys_and_empty_text(void **state)
{
	kpi__jsondoc *doc = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi__jsondoc_parse(&doc, "dup.json", "{\"a\": 1, \"a\": 2}", 16, &err), KPI_ECONFIG);
	assert_null(doc);
	assert_int_equal(strncmp(err.message, "dup.json:1:", 11), 0);
	assert_int_equal(kpi__jsondoc_parse(&doc, "empty.json", "", 0, &err), KPI_ECONFIG);
	assert_null(doc);
	assert_int_equal(strncmp(err.message, "empty.json:1:", 13), 0);
}

static void test_jsondoc__load_missing_file_is_not_found(void **state)
{
	kpi__jsondoc *doc = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi__jsondoc_load(&doc, fixture("does-not-exist.json"), &err), KPI_ENOTFOUND);
	assert_null(doc);
	kpi__jsondoc_free(NULL);
}

/* jansson drops a NUL that follows a number, so it accepted this text as
 * {"a": [1, 2]} while the position scanner looped on the NUL (issue 17):
 * refused at once, at its place. */
static void test_jsondoc__nul_byte_refused_with_its_position(void **state)
{
	static const char one[] = "{\"a\": [1\0, 2]}";
	static const char two[] = "{\n  \"t\": \"\xc3\xa9t\xc3\xa9\", \"active_days\": 90\0,\n  \"b\": 1}";
	kpi__jsondoc *doc = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;

	assert_int_equal(kpi__jsondoc_parse(&doc, "c.json", one, sizeof(one) - 1, &err), KPI_ECONFIG);
	assert_null(doc);
	assert_string_equal(err.message, "c.json:1:9: a NUL byte");
	/* columns count characters: "été" is 3 */
	assert_int_equal(kpi__jsondoc_parse(&doc, "s.json", two, sizeof(two) - 1, &err), KPI_ECONFIG);
	assert_string_equal(err.message, "s.json:2:32: a NUL byte");
	/* a NUL after the document, or inside a string, too */
	assert_int_equal(kpi__jsondoc_parse(&doc, "t.json", "{}\0", 3, &err), KPI_ECONFIG);
	assert_string_equal(err.message, "t.json:1:3: a NUL byte");
}

static void test_json_check_keys__unknown_key_at_its_value(void **state)
{
	static const char *const allowed[] = { "a", "b", NULL };
	kpi__jsondoc *doc = parse("{\"a\": 1,\n \"zz\": [1],\n \"b\": 2}");
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi__json_check_keys(doc, doc->root, allowed, "thing", &err), KPI_ECONFIG);
	assert_int_equal(strncmp(err.message, "doc.json:2:8: ", 14), 0);
	assert_contains(err.message, "'zz'");
	assert_contains(err.message, "thing");
	kpi__jsondoc_free(doc);
}

static void test_backoff_delay__doubles_caps_and_jitters(void **state)
{
	(void)state;
	/* jitter 0.5 is the bare delay: base * 2^attempt */
	assert_float_equal(kpi_backoff_delay(5, 1800, 0, 0.5), 5, 1e-9);
	assert_float_equal(kpi_backoff_delay(5, 1800, 1, 0.5), 10, 1e-9);
	assert_float_equal(kpi_backoff_delay(5, 1800, 4, 0.5), 80, 1e-9);
	/* capped at max before jitter: 5 * 2^9 = 2560 > 1800 */
	assert_float_equal(kpi_backoff_delay(5, 1800, 9, 0.5), 1800, 1e-9);
	assert_float_equal(kpi_backoff_delay(5, 1800, 200, 0.5), 1800, 1e-9);
	/* jitter spans 0.5x .. 1.5x */
	assert_float_equal(kpi_backoff_delay(5, 1800, 2, 0.0), 10, 1e-9);
	assert_true(kpi_backoff_delay(5, 1800, 2, 0.999999) <= 30);
	assert_true(kpi_backoff_delay(5, 1800, 2, 0.999999) > 29.99);
	assert_float_equal(kpi_backoff_delay(5, 1800, 2, 7.0), 30, 1e-9);
	assert_float_equal(kpi_backoff_delay(5, 1800, -3, 0.5), 5, 1e-9);
}

static void test_random_unit__in_range_and_varies(void **state)
{
	double first = kpi_random_unit();
	bool varied = false;
	(void)state;
	for (int i = 0; i < 1000; i++) {
		double u = kpi_random_unit();
		assert_true(u >= 0 && u < 1);
		if (u != first)
			varied = true;
	}
	assert_true(varied);
}

static void test_log__json_lines_carry_run_id_and_fields(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *line, *fields = json_object();
	json_error_t je;
	(void)state;
	assert_non_null(f);
	kpi_log_setup(KPI_LOG_FORMAT_JSON, KPI_LOG_INFO, f, "00112233aabbccdd");
	kpi_log_msg(KPI_LOG_DEBUG, "dropped", "below the minimum level");
	json_object_set_new(fields, "kpi", json_string("legacy_coverage_pct"));
	json_object_set_new(fields, "value", json_real(93.5));
	kpi_log_fields(KPI_LOG_WARN, "kpi.breach", fields, "coverage \"low\"");
	fclose(f);
	assert_non_null(buf);
	assert_int_equal(strchr(buf, '\n') - buf + 1, (long)len); /* exactly one line */
	line = json_loads(buf, 0, &je);
	assert_non_null(line);
	assert_string_equal(json_string_value(json_object_get(line, "run_id")), "00112233aabbccdd");
	assert_string_equal(json_string_value(json_object_get(line, "level")), "warn");
	assert_string_equal(json_string_value(json_object_get(line, "event")), "kpi.breach");
	assert_string_equal(json_string_value(json_object_get(line, "msg")), "coverage \"low\"");
	assert_string_equal(json_string_value(json_object_get(line, "kpi")), "legacy_coverage_pct");
	assert_float_equal(json_real_value(json_object_get(line, "value")), 93.5, 1e-12);
	assert_int_equal(strlen(json_string_value(json_object_get(line, "ts"))), 24);
	json_decref(line);
	free(buf);
	kpi_log_setup(KPI_LOG_FORMAT_JSON, KPI_LOG_INFO, NULL, NULL);
	assert_int_equal(strlen(kpi_log_run_id()), 16);
}

static void test_log__text_format(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *fields = json_object();
	kpi_log_format fmt;
	kpi_log_level lvl;
	(void)state;
	kpi_log_setup(KPI_LOG_FORMAT_TEXT, KPI_LOG_DEBUG, f, "feedfacefeedface");
	json_object_set_new(fields, "sink", json_string("the Slack webhook"));
	json_object_set_new(fields, "attempt", json_integer(3));
	kpi_log_fields(KPI_LOG_ERROR, "alert.failed", fields, "delivery failed");
	fclose(f);
	assert_contains(buf, " error run=feedfacefeedface alert.failed: delivery failed sink=\"the Slack webhook\" attempt=3\n");
	assert_int_equal(buf[10], 'T');
	free(buf);
	kpi_log_setup(KPI_LOG_FORMAT_JSON, KPI_LOG_INFO, NULL, NULL);
	assert_int_equal(kpi_log_format_parse(&fmt, "text"), 0);
	assert_int_equal(fmt, KPI_LOG_FORMAT_TEXT);
	assert_int_equal(kpi_log_format_parse(&fmt, "xml"), KPI_EUSAGE);
	assert_int_equal(kpi_log_level_parse(&lvl, "warn"), 0);
	assert_int_equal(lvl, KPI_LOG_WARN);
	assert_int_equal(kpi_log_level_parse(&lvl, "loud"), KPI_EUSAGE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_file_atomic__writes_exact_content),
		T(test_write_file_atomic__leaves_no_temp_file),
		T(test_write_file_atomic__replaces_existing_file),
		T(test_write_file_atomic__missing_directory_fails_cleanly),
		T(test_write_file_atomic__failure_keeps_the_old_file),
		T(test_write_file_atomic__unwritable_directory_keeps_the_old_file),
		T(test_write_file_atomic__failed_rename_removes_temp_file),
		cmocka_unit_test(test_sha256_hex__known_vectors),
		cmocka_unit_test(test_sha256_hex__million_a_and_embedded_nul),
		T(test_read_file__whole_file_and_missing_file),
		T(test_read_file__refuses_what_is_not_a_regular_file),
		T(test_read_file__refuses_a_file_above_its_cap),
		cmocka_unit_test(test_path_join__slash_and_absolute),
		cmocka_unit_test(test_error__set_wrap_clear_and_names),
		cmocka_unit_test(test_jsondoc__positions_of_nested_values),
		cmocka_unit_test(test_jsondoc__columns_count_characters_and_skip_escapes),
		cmocka_unit_test(test_jsondoc__crlf_line_ends),
		cmocka_unit_test(test_jsondoc__booleans_and_null_fall_back_to_file_name),
		cmocka_unit_test(test_jsondoc__syntax_error_has_line_and_column),
		cmocka_unit_test(test_jsondoc__rejects_duplicate_keys_and_empty_text),
		cmocka_unit_test(test_jsondoc__load_missing_file_is_not_found),
		cmocka_unit_test(test_jsondoc__nul_byte_refused_with_its_position),
		cmocka_unit_test(test_json_check_keys__unknown_key_at_its_value),
		cmocka_unit_test(test_backoff_delay__doubles_caps_and_jitters),
		cmocka_unit_test(test_random_unit__in_range_and_varies),
		cmocka_unit_test(test_log__json_lines_carry_run_id_and_fields),
		cmocka_unit_test(test_log__text_format),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
