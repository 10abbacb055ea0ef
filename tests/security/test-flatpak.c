/* The Flatpak asks for the network, Wayland (X11 as a fallback), IPC and
 * the GPU, and for nothing else: files come and go through portals and
 * the key through the Secret portal. */

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

static const char *manifest_path;

static const char * const expected_args[] = {
  "--share=network",
  "--share=ipc",
  "--socket=wayland",
  "--socket=fallback-x11",
  "--device=dri",
};

/* Any of these would widen the sandbox; named so a failure says why. */
static const char * const forbidden_prefixes[] = {
  "--filesystem", "--talk-name", "--own-name", "--system-talk-name", "--system-own-name",
  "--socket=x11", "--socket=session-bus", "--socket=system-bus", "--socket=pulseaudio",
  "--socket=ssh-auth", "--socket=pcsc", "--socket=cups", "--socket=gpg-agent",
  "--device=all", "--device=shm", "--device=kvm", "--allow", "--env", "--persist",
  "--add-policy", "--unset-env",
};

static JsonObject *
load_manifest (JsonParser *parser)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  g_assert_true (json_parser_load_from_file (parser, manifest_path, &error));
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return json_node_get_object (root);
}

static void
test_finish_args (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *manifest = load_manifest (parser);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *args;

  g_assert_true (json_object_has_member (manifest, "finish-args"));
  args = json_object_get_array_member (manifest, "finish-args");
  g_assert_nonnull (args);

  for (guint i = 0; i < json_array_get_length (args); i++)
    {
      JsonNode *node = json_array_get_element (args, i);
      const char *arg;
      gboolean expected = FALSE;

      g_assert_true (JSON_NODE_HOLDS_VALUE (node));
      g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_STRING);
      arg = json_node_get_string (node);

      for (guint j = 0; j < G_N_ELEMENTS (forbidden_prefixes); j++)
        if (g_str_has_prefix (arg, forbidden_prefixes[j]))
          g_error ("The manifest asks for %s", arg);

      for (guint j = 0; j < G_N_ELEMENTS (expected_args); j++)
        if (g_str_equal (arg, expected_args[j]))
          expected = TRUE;
      if (!expected)
        g_error ("The manifest asks for %s, which is not needed", arg);
      if (!g_hash_table_add (seen, (gpointer) arg))
        g_error ("The manifest lists %s twice", arg);
    }

  /* And everything it does need. */
  for (guint j = 0; j < G_N_ELEMENTS (expected_args); j++)
    if (!g_hash_table_contains (seen, expected_args[j]))
      g_error ("The manifest does not ask for %s", expected_args[j]);
  g_assert_cmpuint (json_array_get_length (args), ==, G_N_ELEMENTS (expected_args));
}

/* Permissions can hide elsewhere: no module may carry finish-args of its
 * own, and nothing may put a key into the environment. */
static void
test_nothing_else (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *manifest = load_manifest (parser);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *modules;

  g_assert_cmpstr (json_object_get_string_member_with_default (manifest, "id",
                     json_object_get_string_member_with_default (manifest, "app-id", "")),
                   ==, "io.github.kontextstudio.KontextStudio");

  modules = json_object_get_array_member (manifest, "modules");
  g_assert_nonnull (modules);
  for (guint i = 0; i < json_array_get_length (modules); i++)
    {
      JsonNode *node = json_array_get_element (modules, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        g_assert_false (json_object_has_member (json_node_get_object (node), "finish-args"));
    }

  g_assert_true (g_file_get_contents (manifest_path, &text, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (strstr (text, "FAL_KEY"));
  g_assert_null (strstr (text, "--filesystem"));
  g_assert_null (strstr (text, "--talk-name"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  manifest_path = argc > 1 ? argv[1] : NULL;
  if (manifest_path == NULL)
    g_error ("Pass the path of the Flatpak manifest as the first argument");

  g_test_add_func ("/security/flatpak/finish-args", test_finish_args);
  g_test_add_func ("/security/flatpak/nothing-else", test_nothing_else);

  return g_test_run ();
}
