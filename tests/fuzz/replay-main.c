/* replay-main.c: runs a fuzz target over its seed corpus, as a TAP test.
 *
 *   fuzz-<target> [--tap] DIR...
 *
 * Every file of each DIR is one test case; so is each of a few
 * deterministic variants of it (cut short, one byte changed), so that
 * every build exercises the parsers past the seeds themselves. A case
 * fails the way the target does under libFuzzer: by aborting. A DIR with
 * fewer than MIN_SEEDS files fails too: an empty corpus proves nothing. */
#define G_LOG_DOMAIN "ks-fuzz"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "fuzz-common.h"

#define MIN_SEEDS   4
#define N_CUTS      6
#define N_FLIPS     6

typedef struct
{
  char  *path;
  guint  variant;   /* 0: as is; 1..N_CUTS: cut short; then one byte changed */
} Case;

static void
case_free (gpointer data)
{
  Case *c = data;

  g_free (c->path);
  g_free (c);
}

static void
run_case (gconstpointer user_data)
{
  const Case *c = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree guint8 *input = NULL;
  gsize length = 0;

  g_file_get_contents (c->path, &contents, &length, &error);
  g_assert_no_error (error);

  if (c->variant == 0)
    {
      input = g_memdup2 (contents, length);
    }
  else if (c->variant <= N_CUTS)
    {
      length = length * c->variant / (N_CUTS + 1);
      input = g_memdup2 (contents, length);
    }
  else
    {
      /* A seeded position and value: the same case on every run. */
      g_autofree char *name = g_path_get_basename (c->path);
      GRand *rand;

      g_assert_cmpuint (length, >, 0);
      rand = g_rand_new_with_seed (g_str_hash (name) + c->variant);

      input = g_memdup2 (contents, length);
      input[g_rand_int_range (rand, 0, (gint32) MIN (length, G_MAXINT32))] ^= 1u << g_rand_int_range (rand, 0, 8);
      g_rand_free (rand);
    }

  g_assert_cmpint (LLVMFuzzerTestOneInput (input, length), ==, 0);
}

static void
check_corpus_size (gconstpointer user_data)
{
  guint n_files = GPOINTER_TO_UINT (user_data);

  g_assert_cmpuint (n_files, >=, MIN_SEEDS);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static guint
add_corpus (const char *dir_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *corpus = g_path_get_basename (dir_path);
  const char *name;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *file = g_ptr_array_index (names, i);
      g_autofree char *file_path = g_build_filename (dir_path, file, NULL);
      GStatBuf st;
      gboolean empty = g_stat (file_path, &st) == 0 && st.st_size == 0;

      /* An empty file has no variants. */
      for (guint variant = 0; variant <= (empty ? 0 : N_CUTS + N_FLIPS); variant++)
        {
          Case *c = g_new0 (Case, 1);
          g_autofree char *test_path = NULL;

          c->path = g_build_filename (dir_path, file, NULL);
          c->variant = variant;
          if (variant == 0)
            test_path = g_strdup_printf ("/fuzz/%s/%s", corpus, file);
          else if (variant <= N_CUTS)
            test_path = g_strdup_printf ("/fuzz/%s/%s/cut-%u", corpus, file, variant);
          else
            test_path = g_strdup_printf ("/fuzz/%s/%s/flip-%u", corpus, file, variant - N_CUTS);
          g_test_add_data_func_full (test_path, c, run_case, case_free);
        }
    }

  return names->len;
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  fuzz_init ();

  if (argc < 2)
    {
      g_printerr ("usage: %s [--tap] CORPUS-DIR...\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    {
      g_autofree char *corpus = g_path_get_basename (argv[i]);
      g_autofree char *test_path = g_strdup_printf ("/fuzz/%s/corpus-size", corpus);
      guint n = add_corpus (argv[i]);

      g_test_add_data_func (test_path, GUINT_TO_POINTER (n), check_corpus_size);
    }

  return g_test_run ();
}
