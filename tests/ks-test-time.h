/* ks-test-time.h: how much slower than usual the tests run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

/* KS_TEST_TIME_SCALE (default 1): the sanitizer and valgrind passes run
 * code several times slower, so a test that bounds a wait or a main-loop
 * gap multiplies its bound by this. The behaviour asserted stays the same. */
static inline guint
ks_test_time_scale (void)
{
  const char *text = g_getenv ("KS_TEST_TIME_SCALE");
  guint64 scale = 1;

  if (text != NULL)
    g_ascii_string_to_unsigned (text, 10, 1, 100, &scale, NULL);

  return (guint) scale;
}
