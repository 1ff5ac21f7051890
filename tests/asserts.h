/* Assertions shared by the unit and integration tests (include after
 * <cmocka.h> and <string.h>). */
#ifndef KPI_TEST_ASSERTS_H
#define KPI_TEST_ASSERTS_H

/* Two doubles are bit-for-bit the same value (NaN never is). */
#define assert_double_equal(a, b)                                                             \
	do {                                                                                  \
		double a_ = (a), b_ = (b);                                                    \
		if (!(a_ == b_)) {                                                            \
			print_error("%s = %.17g, expected %s = %.17g\n", #a, a_, #b, b_);     \
			fail();                                                               \
		}                                                                             \
	} while (0)

/* `haystack` contains `needle`. */
#define assert_contains(haystack, needle)                                                     \
	do {                                                                                  \
		const char *h_ = (haystack), *n_ = (needle);                                  \
		if (!h_ || !strstr(h_, n_)) {                                                 \
			print_error("'%s' does not contain '%s'\n", h_ ? h_ : "(null)", n_);  \
			fail();                                                               \
		}                                                                             \
	} while (0)

/* `haystack` does not contain `needle`. */
#define assert_not_contains(haystack, needle)                                                 \
	do {                                                                                  \
		const char *h_ = (haystack), *n_ = (needle);                                  \
		if (h_ && strstr(h_, n_)) {                                                   \
			print_error("'%s' contains '%s'\n", h_, n_);                          \
			fail();                                                               \
		}                                                                             \
	} while (0)

#endif
