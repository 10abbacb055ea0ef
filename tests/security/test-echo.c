/* A service that repeats the key back — a buggy proxy, a hostile
 * service — in error details, failure texts, log lines and field
 * messages: none of it reaches a person, a record or a debug line. */

#include "config.h"

#include <string.h>

#include "key-search.h"
#include "security-util.h"

#define KEY "ks-echo-id-5a5a5a:ks-echo-secret-9c9c9c9c9c"

static GString *log_text;
static GMutex log_lock;

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_autofree char *line = g_log_writer_format_fields (level, fields, n_fields, FALSE);

  g_mutex_lock (&log_lock);
  g_string_append (log_text, line);
  g_string_append_c (log_text, '\n');
  g_mutex_unlock (&log_lock);

  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) != 0)
    return g_log_writer_default (level, fields, n_fields, user_data);

  return G_LOG_WRITER_HANDLED;
}

static void
assert_clean (KeySearch  *search,
              const char *what,
              const char *text)
{
  g_autofree char *form = NULL;

  g_assert_nonnull (text);
  form = key_search_bytes (search, (const guint8 *) text, strlen (text));
  if (form != NULL)
    g_error ("%s holds %s: %s", what, form, text);
}

static void
assert_status_clean (KeySearch      *search,
                     const KsStatus *status)
{
  assert_clean (search, "The failure text", status->error);
  g_assert_cmpuint (status->logs->len, >, 0);
  for (guint i = 0; i < status->logs->len; i++)
    {
      KsLogEntry *entry = g_ptr_array_index (status->logs, i);

      assert_clean (search, "A log line", entry->message);
    }
}

typedef struct
{
  KeySearch *search;
  guint      n_events;
} StreamCheck;

static void
check_event (const KsStatus *status,
             gpointer        user_data)
{
  StreamCheck *check = user_data;

  check->n_events++;
  assert_status_clean (check->search, status);
}

static void
test_echo (void)
{
  g_autoptr(KeySearch) search = key_search_new (KEY);
  g_autoptr(Hostile) hostile = hostile_new (NULL);
  g_autofree char *base = hostile_url (hostile, "echo");
  g_autoptr(KsClient) client = ks_client_new (base);
  g_autoptr(KsRequest) request = ks_request_new (base, "fal-ai/flux-pro/kontext", "abc");
  g_autoptr(GError) error = NULL;

  ks_client_set_api_key (client, KEY);
  g_object_set (client, "max-retries", 1, "retry-base-delay", 10, NULL);

  /* A 500 whose detail repeats the key: retried once, then reported. */
  {
    g_autoptr(KsRequest) none = do_submit (client, &error);

    g_assert_null (none);
    assert_error_says (error, KS_ERROR_SERVER, "not a valid key");
    assert_clean (search, "The submit error", error->message);
    g_clear_error (&error);
  }

  /* COMPLETED with an error that repeats it, and a log line too. */
  {
    g_autoptr(KsStatus) status = do_status (client, request, &error);

    g_assert_no_error (error);
    g_assert_nonnull (status);
    g_assert_nonnull (strstr (status->error, "not a valid key"));
    assert_status_clean (search, status);
  }

  /* The same on the status stream. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(KsStatus) status = NULL;
    StreamCheck check = { search, 0 };

    ks_client_stream_status_async (client, request, check_event, &check, NULL, NULL, store_result, &result);
    wait_for (&result);
    status = ks_client_stream_status_finish (client, result, &error);
    g_assert_no_error (error);
    g_assert_nonnull (status);
    g_assert_cmpuint (check.n_events, >, 0);
    assert_status_clean (search, status);
  }

  /* A 422 whose field message repeats it. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(KsResult) none = NULL;
    g_autoptr(GPtrArray) field_errors = NULL;

    ks_client_get_result_async (client, request, NULL, store_result, &result);
    wait_for (&result);
    none = ks_client_get_result_finish (client, result, &field_errors, &error);
    g_assert_null (none);
    assert_error_says (error, KS_ERROR_VALIDATION, "not a valid key");
    assert_clean (search, "The validation error", error->message);
    g_assert_nonnull (field_errors);
    g_assert_cmpuint (field_errors->len, ==, 1);
    for (guint i = 0; i < field_errors->len; i++)
      {
        KsFieldError *fe = g_ptr_array_index (field_errors, i);

        g_assert_cmpstr (fe->field, ==, "prompt");
        assert_clean (search, "A field message", fe->message);
      }
    g_clear_error (&error);
  }

  /* A 500 repeating it on a result: retried (a debug line), then reported. */
  {
    g_autoptr(KsRequest) retry = ks_request_new (base, "fal-ai/flux-pro/kontext", "retry");
    g_autoptr(KsResult) none = do_result (client, retry, &error);

    g_assert_null (none);
    assert_error_says (error, KS_ERROR_SERVER, "internal error");
    assert_clean (search, "The result error", error->message);
    g_clear_error (&error);
  }

  /* The service did see the key, and repeated it: the test means it. */
  g_assert_cmpuint (hostile->paths->len, ==, 6);
  g_assert_cmpstr (g_ptr_array_index (hostile->authorizations, 0), ==, "Key " KEY);

  /* And no debug line carried it. */
  g_mutex_lock (&log_lock);
  g_assert_nonnull (strstr (log_text->str, "Retrying"));
  assert_clean (search, "The debug output", log_text->str);
  g_mutex_unlock (&log_lock);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/security/echo/key-repeated-back", test_echo);

  return g_test_run ();
}
