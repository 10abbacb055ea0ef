/* fuzz-common.h: what every fuzz target shares
 *
 * Each target is one file defining LLVMFuzzerTestOneInput(). It is linked
 * either with libFuzzer (clang, -Dfuzzing=true) or with replay-main.c,
 * which runs it over its seed corpus as a TAP test in every build. A
 * target fails by aborting: a sanitizer report, a g_assert, or a warning
 * or critical, which fuzz_init() makes fatal. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

G_BEGIN_DECLS

int      LLVMFuzzerTestOneInput (const uint8_t *data,
                                 size_t         size);

/* Once per process: warnings and criticals abort, debug output stays off. */
void     fuzz_init              (void);

/* Asserts that a failing parser said why: an error in KS_ERROR whose
 * message is non-empty, valid UTF-8 text for people. */
void     fuzz_assert_ks_error   (const GError *error);

/* Asserts that @text is valid UTF-8 (NULL passes). */
void     fuzz_assert_utf8       (const char   *text);

/* Asserts that @text (NULL passes) is valid UTF-8 without control
 * characters but line ends: the service's words reach terminals and
 * dialogs without escape sequences. */
void     fuzz_assert_printable  (const char   *text);

/* Asserts that @url is an http(s) URL whose scheme, host, port and user
 * info, as libsoup will read them, are those of @base_url: the key sent
 * along with it can never reach another host. */
void     fuzz_assert_same_host  (const char   *url,
                                 const char   *base_url);

/* A fresh copy of the input on the heap, exactly @size bytes with no nul
 * after them, so that the sanitizers catch any read past its end. */
GBytes  *fuzz_bytes_new         (const uint8_t *data,
                                 size_t         size);

/* json-glib 1.6 (Debian 12) leaks memory on some malformed JSON: several
 * values at the top level ("1{}": it keeps the last and loses the others,
 * without an error), a surrogate escape that is not half of a whole pair,
 * and a "\\u" escape with less than four hex digits (its scanner then
 * takes the byte after them too, a closing quote say). Those are faults of
 * the library that would stop every run of a JSON target at once.
 *
 * fuzz_json_leak_pause() reads @data for them, without parsing it. When it
 * finds one, leak checking stays off in this thread until the returned
 * pause is freed: the target still runs its parser over the input, with
 * every memory error caught, but json-glib's losses are not reported. NULL
 * when the text is free of them, and every leak is reported. Use it as
 *   g_autoptr(FuzzLeakPause) pause = fuzz_json_leak_pause (data, size);
 * declared first, so that it ends after everything else is freed. */
typedef struct _FuzzLeakPause FuzzLeakPause;

/* Under libFuzzer, targets skip what fuzz_json_leak_pause() paused for:
 * libFuzzer runs a whole leak check after every input that allocated more
 * than it freed, and those checks made the JSON targets 20 times slower.
 * The corpus replay in every build runs them, with leak checking paused. */
#ifdef FUZZ_WITH_LIBFUZZER
# define FUZZ_SKIPS_MALFORMED_JSON TRUE
#else
# define FUZZ_SKIPS_MALFORMED_JSON FALSE
#endif

FuzzLeakPause *fuzz_json_leak_pause (const char    *data,
                                     gsize          size);
void           fuzz_leak_pause_end  (FuzzLeakPause *pause);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FuzzLeakPause, fuzz_leak_pause_end)

/* TRUE for an escape of a surrogate (D800–DFFF) that is not half of a
 * whole pair, for JSON embedded in other bytes. */
gboolean fuzz_json_has_stray_surrogate (const char *data,
                                        gsize       size);

G_END_DECLS
