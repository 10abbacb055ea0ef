/* Parameter sets: defaults, validation in words, request bodies, the JSON
 * round trip, CLI text input and cost. */

#include "config.h"

#include <math.h>
#include <string.h>

#include "ks-core.h"

#define BIG_SEED      G_GUINT64_CONSTANT (15860307465884635512)
#define BIG_SEED_TEXT "15860307465884635512"

static KsParams *
params_for (KsModel model,
            KsMode  mode)
{
  const KsEndpoint *endpoint = ks_endpoint_find (model, mode);

  g_assert_nonnull (endpoint);
  return ks_params_new (endpoint);
}

/* A parameter set that is valid as it stands. */
static KsParams *
valid_params_for (KsModel model,
                  KsMode  mode)
{
  KsParams *params = params_for (model, mode);

  ks_params_set_prompt (params, "Put a donut next to the flour");
  if (mode == KS_MODE_EDIT)
    ks_params_add_reference (params, "https://v3.fal.media/files/kitchen.png");
  else if (mode == KS_MODE_MULTI)
    ks_params_set_references (params, (const char * const[]) { "a.png", "b.png", NULL });

  return params;
}

static const KsFieldError *
find_error (GPtrArray  *errors,
            const char *field)
{
  for (guint i = 0; i < errors->len; i++)
    {
      const KsFieldError *error = g_ptr_array_index (errors, i);

      if (g_strcmp0 (error->field, field) == 0)
        return error;
    }

  return NULL;
}

static void
test_params_defaults (void)
{
  const KsEndpoint * const *list = ks_endpoint_list (NULL);

  for (guint i = 0; list[i] != NULL; i++)
    {
      g_autoptr(KsParams) params = ks_params_new (list[i]);
      KsMode mode = ks_endpoint_get_mode (list[i]);
      guint64 seed = 42;

      g_assert_true (ks_params_get_endpoint (params) == list[i]);
      g_assert_cmpstr (ks_params_get_prompt (params), ==, "");
      g_assert_cmpfloat (ks_params_get_guidance_scale (params), ==, 3.5);
      g_assert_cmpint (ks_params_get_num_images (params), ==, 1);
      g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==,
                       mode == KS_MODE_TEXT_TO_IMAGE ? "1:1" : NULL);
      g_assert_false (ks_params_get_seed (params, &seed));
      g_assert_cmpstr (ks_params_get_output_format (params), ==, "jpeg");
      g_assert_cmpint (ks_params_get_safety_tolerance (params), ==, 2);
      g_assert_false (ks_params_get_enhance_prompt (params));
      g_assert_false (ks_params_get_sync_mode (params));
      g_assert_nonnull (ks_params_get_references (params));
      g_assert_null (ks_params_get_references (params)[0]);
    }
}

/* Defaults plus a prompt and the right references pass, on every endpoint. */
static void
test_params_valid (void)
{
  static const KsMode modes[] = { KS_MODE_EDIT, KS_MODE_TEXT_TO_IMAGE, KS_MODE_MULTI };

  for (guint m = 0; m < 2; m++)
    for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
      {
        g_autoptr(KsParams) params = valid_params_for (m == 0 ? KS_MODEL_PRO : KS_MODEL_MAX, modes[i]);
        g_autoptr(GPtrArray) errors = ks_params_check (params);
        g_autoptr(GError) error = NULL;

        g_assert_cmpuint (errors->len, ==, 0);
        g_assert_true (ks_params_validate (params, &error));
        g_assert_no_error (error);
      }
}

static void
assert_one_error (KsParams   *params,
                  const char *field,
                  const char *label,
                  const char *fragment)
{
  g_autoptr(GPtrArray) errors = ks_params_check (params);
  g_autoptr(GError) error = NULL;
  const KsFieldError *field_error;

  g_test_message ("field %s", field);
  g_assert_cmpuint (errors->len, ==, 1);
  field_error = find_error (errors, field);
  g_assert_nonnull (field_error);
  if (label != NULL)
    g_assert_true (g_str_has_prefix (field_error->message, label));
  if (fragment != NULL)
    g_assert_nonnull (strstr (field_error->message, fragment));

  g_assert_false (ks_params_validate (params, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS);
  g_assert_cmpstr (error->message, ==, field_error->message);
}

static void
test_params_violations (void)
{
  g_autoptr(KsParams) params = NULL;
  g_autofree char *long_prompt = NULL;

#define FRESH() \
  g_clear_object (&params); \
  params = valid_params_for (KS_MODEL_PRO, KS_MODE_EDIT)

  FRESH ();
  ks_params_set_guidance_scale (params, 25);
  assert_one_error (params, "guidance_scale", "Guidance", "between 1 and 20 (got 25)");

  FRESH ();
  ks_params_set_guidance_scale (params, 0.5);
  assert_one_error (params, "guidance_scale", "Guidance", "(got 0.5)");

  FRESH ();
  ks_params_set_guidance_scale (params, NAN);
  assert_one_error (params, "guidance_scale", "Guidance", "between 1 and 20");

  FRESH ();
  ks_params_set_num_images (params, 5);
  assert_one_error (params, "num_images", "Number of images", "between 1 and 4 (got 5)");

  FRESH ();
  ks_params_set_num_images (params, 0);
  assert_one_error (params, "num_images", "Number of images", "(got 0)");

  FRESH ();
  ks_params_set_safety_tolerance (params, 7);
  assert_one_error (params, "safety_tolerance", "Safety tolerance", "one of 1–6");

  FRESH ();
  ks_params_set_safety_tolerance (params, 0);
  assert_one_error (params, "safety_tolerance", "Safety tolerance", "one of 1–6");

  FRESH ();
  ks_params_set_aspect_ratio (params, "5:4");
  assert_one_error (params, "aspect_ratio", "Aspect ratio",
                    "one of 21:9, 16:9, 4:3, 3:2, 1:1, 2:3, 3:4, 9:16, 9:21 (got “5:4”)");

  FRESH ();
  ks_params_set_output_format (params, "webp");
  assert_one_error (params, "output_format", "Output format", "jpeg, png");

  FRESH ();
  ks_params_set_prompt (params, "");
  assert_one_error (params, "prompt", "Prompt", "empty");

  FRESH ();
  ks_params_set_prompt (params, " \t\n ");
  assert_one_error (params, "prompt", "Prompt", "empty");

  FRESH ();
  long_prompt = g_strnfill (4001, 'a');
  ks_params_set_prompt (params, long_prompt);
  assert_one_error (params, "prompt", "Prompt", "at most 4000 characters");

  /* The limit counts characters, not bytes. */
  FRESH ();
  g_clear_pointer (&long_prompt, g_free);
  {
    GString *text = g_string_new (NULL);

    for (guint i = 0; i < 4000; i++)
      g_string_append (text, "é");
    long_prompt = g_string_free (text, FALSE);
  }
  ks_params_set_prompt (params, long_prompt);
  {
    g_autoptr(GPtrArray) errors = ks_params_check (params);

    g_assert_cmpuint (errors->len, ==, 0);
  }

  FRESH ();
  ks_params_set_references (params, NULL);
  assert_one_error (params, "image_url", NULL, "exactly one reference image; 0 given");

  FRESH ();
  ks_params_add_reference (params, "second.png");
  assert_one_error (params, "image_url", NULL, "exactly one reference image; 2 given");

  FRESH ();
  ks_params_set_references (params, (const char * const[]) { "", NULL });
  assert_one_error (params, "image_url", "Reference image", "empty");

#undef FRESH

  /* Multi: two or more, up to ten. */
  g_clear_object (&params);
  params = valid_params_for (KS_MODEL_MAX, KS_MODE_MULTI);
  ks_params_set_references (params, (const char * const[]) { "only.png", NULL });
  assert_one_error (params, "image_urls", NULL, "at least 2 reference images; 1 given");
  for (guint i = 1; i < 10; i++)
    ks_params_add_reference (params, "more.png");
  {
    g_autoptr(GPtrArray) errors = ks_params_check (params);

    g_assert_cmpuint (errors->len, ==, 0);
  }
  ks_params_add_reference (params, "eleventh.png");
  assert_one_error (params, "image_urls", NULL, "at most 10 reference images; 11 given");

  /* Text to image takes none. */
  g_clear_object (&params);
  params = valid_params_for (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE);
  ks_params_add_reference (params, "stray.png");
  assert_one_error (params, "image_url", NULL, "no reference image; 1 given");
}

/* Several violations at once: one entry each, each naming its field. */
static void
test_params_violations_all (void)
{
  g_autoptr(KsParams) params = params_for (KS_MODEL_PRO, KS_MODE_EDIT);
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;
  static const struct { const char *field; const char *label; } expected[] = {
    { "prompt", "Prompt" },
    { "guidance_scale", "Guidance" },
    { "num_images", "Number of images" },
    { "aspect_ratio", "Aspect ratio" },
    { "output_format", "Output format" },
    { "safety_tolerance", "Safety tolerance" },
    { "image_url", NULL },
  };

  ks_params_set_guidance_scale (params, 100);
  ks_params_set_num_images (params, 9);
  ks_params_set_aspect_ratio (params, "2:1");
  ks_params_set_output_format (params, "gif");
  ks_params_set_safety_tolerance (params, 9);

  errors = ks_params_check (params);
  g_assert_cmpuint (errors->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const KsFieldError *field_error = find_error (errors, expected[i].field);

      g_assert_nonnull (field_error);
      if (expected[i].label != NULL)
        g_assert_true (g_str_has_prefix (field_error->message, expected[i].label));
    }

  g_assert_false (ks_params_validate (params, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS);
  {
    g_auto(GStrv) lines = g_strsplit (error->message, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (expected));
  }
}

static void
test_params_field_error_boxed (void)
{
  g_autoptr(KsFieldError) error = ks_field_error_new ("seed", "Seed is wrong.");
  g_autoptr(KsFieldError) copy = ks_field_error_copy (error);
  g_autoptr(KsFieldError) whole = ks_field_error_new (NULL, "The request is wrong.");
  KsFieldError *boxed;

  g_assert_cmpstr (copy->field, ==, "seed");
  g_assert_cmpstr (copy->message, ==, "Seed is wrong.");
  g_assert_true (copy->field != error->field);
  g_assert_null (whole->field);

  boxed = g_boxed_copy (KS_TYPE_FIELD_ERROR, whole);
  g_assert_cmpstr (boxed->message, ==, "The request is wrong.");
  g_boxed_free (KS_TYPE_FIELD_ERROR, boxed);
}

static JsonObject *
parse_object (const char *text,
              JsonNode  **out_root)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  root = json_parser_steal_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  *out_root = root;

  return json_node_get_object (root);
}

static void
assert_no_nulls (JsonNode *node)
{
  g_assert_false (JSON_NODE_HOLDS_NULL (node));

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        assert_no_nulls (json_object_get_member (object, l->data));
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        assert_no_nulls (json_array_get_element (array, i));
    }
}

static void
assert_member_type (JsonObject *object,
                    const char *member,
                    GType       type)
{
  JsonNode *node = json_object_get_member (object, member);

  g_test_message ("member %s", member);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_true (json_node_get_value_type (node) == type);
}

static void
test_params_request_body (void)
{
  const KsEndpoint * const *list = ks_endpoint_list (NULL);

  for (guint i = 0; list[i] != NULL; i++)
    {
      KsMode mode = ks_endpoint_get_mode (list[i]);
      g_autoptr(KsParams) params = valid_params_for (ks_endpoint_get_model (list[i]), mode);
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *body = NULL;
      const char *urls_edit[] = { "https://v3.fal.media/files/a.png", NULL };
      const char *urls_multi[] = { "https://v3.fal.media/files/a.png", "data:image/png;base64,iVBORw0KGgo=", NULL };
      const char * const *urls = NULL;
      JsonObject *object;
      JsonArray *array;
      guint expected_members;

      g_test_message ("endpoint %s", ks_endpoint_get_id (list[i]));

      if (mode == KS_MODE_EDIT)
        urls = urls_edit;
      else if (mode == KS_MODE_MULTI)
        urls = urls_multi;

      ks_params_set_seed (params, BIG_SEED);
      ks_params_set_guidance_scale (params, 4.5);
      ks_params_set_num_images (params, 3);
      ks_params_set_safety_tolerance (params, 5);
      ks_params_set_output_format (params, "png");
      ks_params_set_aspect_ratio (params, "16:9");
      ks_params_set_enhance_prompt (params, TRUE);

      body = ks_params_to_request_body (params, urls);
      g_assert_nonnull (body);
      g_assert_nonnull (strstr (body, BIG_SEED_TEXT));
      g_assert_null (strstr (body, "null"));

      object = parse_object (body, &root);
      assert_no_nulls (root);

      assert_member_type (object, "prompt", G_TYPE_STRING);
      g_assert_cmpstr (json_object_get_string_member (object, "prompt"), ==,
                       "Put a donut next to the flour");
      assert_member_type (object, "guidance_scale", G_TYPE_DOUBLE);
      g_assert_cmpfloat (json_object_get_double_member (object, "guidance_scale"), ==, 4.5);
      assert_member_type (object, "num_images", G_TYPE_INT64);
      g_assert_cmpint (json_object_get_int_member (object, "num_images"), ==, 3);
      assert_member_type (object, "seed", G_TYPE_INT64);
      g_assert_cmpuint ((guint64) json_object_get_int_member (object, "seed"), ==, BIG_SEED);
      assert_member_type (object, "safety_tolerance", G_TYPE_STRING);
      g_assert_cmpstr (json_object_get_string_member (object, "safety_tolerance"), ==, "5");
      assert_member_type (object, "output_format", G_TYPE_STRING);
      g_assert_cmpstr (json_object_get_string_member (object, "output_format"), ==, "png");
      assert_member_type (object, "aspect_ratio", G_TYPE_STRING);
      g_assert_cmpstr (json_object_get_string_member (object, "aspect_ratio"), ==, "16:9");
      assert_member_type (object, "enhance_prompt", G_TYPE_BOOLEAN);
      g_assert_true (json_object_get_boolean_member (object, "enhance_prompt"));
      assert_member_type (object, "sync_mode", G_TYPE_BOOLEAN);
      g_assert_false (json_object_get_boolean_member (object, "sync_mode"));

      expected_members = 10;
      switch (mode)
        {
        case KS_MODE_EDIT:
          assert_member_type (object, "image_url", G_TYPE_STRING);
          g_assert_cmpstr (json_object_get_string_member (object, "image_url"), ==, urls_edit[0]);
          g_assert_false (json_object_has_member (object, "image_urls"));
          break;

        case KS_MODE_TEXT_TO_IMAGE:
          expected_members = 9;
          g_assert_false (json_object_has_member (object, "image_url"));
          g_assert_false (json_object_has_member (object, "image_urls"));
          break;

        case KS_MODE_MULTI:
          g_assert_false (json_object_has_member (object, "image_url"));
          g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "image_urls")));
          array = json_object_get_array_member (object, "image_urls");
          g_assert_cmpuint (json_array_get_length (array), ==, 2);
          g_assert_cmpstr (json_array_get_string_element (array, 0), ==, urls_multi[0]);
          g_assert_cmpstr (json_array_get_string_element (array, 1), ==, urls_multi[1]);
          break;

        default:
          g_assert_not_reached ();
        }

      /* Nothing that the endpoint does not have. */
      g_assert_cmpuint (json_object_get_size (object), ==, expected_members);
      g_assert_false (json_object_has_member (object, "references"));
      g_assert_false (json_object_has_member (object, "endpoint_id"));
    }
}

/* Optional values that are unset are left out, not sent as null; an
 * integral guidance is still a JSON number. */
static void
test_params_request_body_unset (void)
{
  g_autoptr(KsParams) params = valid_params_for (KS_MODEL_PRO, KS_MODE_EDIT);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  JsonObject *object;
  double guidance = 0;

  ks_params_set_guidance_scale (params, 3);
  body = ks_params_to_request_body (params, (const char * const[]) { "https://x/y.png", NULL });
  object = parse_object (body, &root);
  assert_no_nulls (root);
  g_assert_false (json_object_has_member (object, "seed"));
  g_assert_false (json_object_has_member (object, "aspect_ratio"));
  g_assert_true (ks_json_get_double_member (object, "guidance_scale", &guidance));
  g_assert_cmpfloat (guidance, ==, 3);
  assert_member_type (object, "safety_tolerance", G_TYPE_STRING);
  g_assert_cmpstr (json_object_get_string_member (object, "safety_tolerance"), ==, "2");
  g_assert_cmpstr (json_object_get_string_member (object, "output_format"), ==, "jpeg");
  g_assert_cmpuint (json_object_get_size (object), ==, 8);

  /* Seed 0 is a value, not "random". */
  ks_params_set_seed (params, 0);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&root, json_node_unref);
  body = ks_params_to_request_body (params, (const char * const[]) { "https://x/y.png", NULL });
  object = parse_object (body, &root);
  assert_member_type (object, "seed", G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (object, "seed"), ==, 0);
}

static void
test_params_json_round_trip (void)
{
  g_autoptr(KsParams) params = valid_params_for (KS_MODEL_MAX, KS_MODE_MULTI);
  g_autoptr(KsParams) back = NULL;
  g_autoptr(KsParams) unset = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) node2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char * const references[] = { "/home/artist/a b.png", "https://x/é.jpg", "c.webp", NULL };
  guint64 seed = 0;

  ks_params_set_prompt (params, "Make it “snowy” — and\nquiet");
  ks_params_set_guidance_scale (params, 7.25);
  ks_params_set_num_images (params, 4);
  ks_params_set_aspect_ratio (params, "9:21");
  ks_params_set_seed (params, G_MAXUINT64);
  ks_params_set_output_format (params, "png");
  ks_params_set_safety_tolerance (params, 6);
  ks_params_set_enhance_prompt (params, TRUE);
  ks_params_set_sync_mode (params, TRUE);
  ks_params_set_references (params, references);

  node = ks_params_to_json (params);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  assert_no_nulls (node);
  /* The seed is decimal text so that any JSON reader keeps all 64 bits. */
  g_assert_cmpstr (ks_json_get_string_member (json_node_get_object (node), "seed"), ==,
                   "18446744073709551615");

  /* Through text, as a sidecar file would go. */
  text = json_to_string (node, FALSE);
  node2 = json_from_string (text, &error);
  g_assert_no_error (error);

  back = ks_params_new_from_json (node2, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_true (ks_params_get_endpoint (back) == ks_endpoint_find (KS_MODEL_MAX, KS_MODE_MULTI));
  g_assert_cmpstr (ks_params_get_prompt (back), ==, "Make it “snowy” — and\nquiet");
  g_assert_cmpfloat (ks_params_get_guidance_scale (back), ==, 7.25);
  g_assert_cmpint (ks_params_get_num_images (back), ==, 4);
  g_assert_cmpstr (ks_params_get_aspect_ratio (back), ==, "9:21");
  g_assert_true (ks_params_get_seed (back, &seed));
  g_assert_cmpuint (seed, ==, G_MAXUINT64);
  g_assert_cmpstr (ks_params_get_output_format (back), ==, "png");
  g_assert_cmpint (ks_params_get_safety_tolerance (back), ==, 6);
  g_assert_true (ks_params_get_enhance_prompt (back));
  g_assert_true (ks_params_get_sync_mode (back));
  g_assert_true (g_strv_equal (ks_params_get_references (back), references));

  /* Unset stays unset, even where the endpoint has a default. */
  unset = params_for (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE);
  ks_params_set_aspect_ratio (unset, NULL);
  g_clear_pointer (&node, json_node_unref);
  node = ks_params_to_json (unset);
  g_clear_object (&back);
  back = ks_params_new_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_null (ks_params_get_aspect_ratio (back));
  g_assert_false (ks_params_get_seed (back, NULL));
  g_assert_null (ks_params_get_references (back)[0]);

  /* Copies are equal and independent. */
  g_clear_object (&back);
  back = ks_params_copy (params);
  g_assert_true (ks_params_get_seed (back, &seed));
  g_assert_cmpuint (seed, ==, G_MAXUINT64);
  g_assert_true (g_strv_equal (ks_params_get_references (back), references));
  ks_params_set_prompt (back, "other");
  g_assert_cmpstr (ks_params_get_prompt (params), ==, "Make it “snowy” — and\nquiet");

  g_assert_finalize_object (g_steal_pointer (&back));
  g_assert_finalize_object (g_steal_pointer (&params));
}

static void
test_params_from_json_damaged (void)
{
  static const struct { const char *json; int code; const char *fragment; } cases[] = {
    { "[]", KS_ERROR_MALFORMED, "object" },
    { "{}", KS_ERROR_MALFORMED, "endpoint_id" },
    { "{\"endpoint_id\":\"fal-ai/flux-dev\"}", KS_ERROR_INVALID_PARAMS, "fal-ai/flux-dev" },
    { "{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"guidance_scale\":\"high\"}", KS_ERROR_MALFORMED, "guidance_scale" },
    { "{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"num_images\":2.5}", KS_ERROR_MALFORMED, "num_images" },
    { "{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"seed\":\"-1\"}", KS_ERROR_MALFORMED, "seed" },
    { "{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"seed\":true}", KS_ERROR_MALFORMED, "seed" },
    { "{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"prompt\":42}", KS_ERROR_MALFORMED, "prompt" },
    { "{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"references\":[\"a\",1]}", KS_ERROR_MALFORMED, "references" },
    { "{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"references\":\"a\"}", KS_ERROR_MALFORMED, "references" },
    { "{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"safety_tolerance\":\"lax\"}", KS_ERROR_MALFORMED, "safety_tolerance" },
    { "{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"sync_mode\":\"yes\"}", KS_ERROR_MALFORMED, "sync_mode" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (cases[i].json, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(KsParams) params = NULL;

      g_test_message ("%s", cases[i].json);
      g_assert_nonnull (node);
      params = ks_params_new_from_json (node, &error);
      g_assert_null (params);
      g_assert_error (error, KS_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].fragment));
    }

  /* fal's own form of the values is read as well, and nulls are absent. */
  {
    g_autoptr(JsonNode) node = json_from_string ("{\"endpoint_id\":\"fal-ai/flux-pro/kontext\","
                                                 "\"safety_tolerance\":\"4\",\"seed\":" BIG_SEED_TEXT ","
                                                 "\"aspect_ratio\":null}", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(KsParams) params = ks_params_new_from_json (node, &error);
    guint64 seed = 0;

    g_assert_no_error (error);
    g_assert_cmpint (ks_params_get_safety_tolerance (params), ==, 4);
    g_assert_true (ks_params_get_seed (params, &seed));
    g_assert_cmpuint (seed, ==, BIG_SEED);
    g_assert_null (ks_params_get_aspect_ratio (params));
    g_assert_cmpfloat (ks_params_get_guidance_scale (params), ==, 3.5);
  }
}

static void
test_params_set_from_string (void)
{
  g_autoptr(KsParams) params = params_for (KS_MODEL_PRO, KS_MODE_EDIT);
  static const struct { const char *field; const char *value; } good[] = {
    { "guidance_scale", "4.5" },
    { "num_images", "4" },
    { "aspect_ratio", "21:9" },
    { "seed", BIG_SEED_TEXT },
    { "output_format", "png" },
    { "safety_tolerance", "6" },
    { "enhance_prompt", "true" },
    { "sync-mode", "yes" },
    { "prompt", "A cat in a hat" },
  };
  static const struct { const char *field; const char *value; const char *label; } bad[] = {
    { "seed", "abc", "Seed" },
    { "seed", "1e999", "Seed" },
    { "seed", "-1", "Seed" },
    { "seed", "18446744073709551616", "Seed" },
    { "seed", " 5", "Seed" },
    { "guidance_scale", "25", "Guidance" },
    { "guidance_scale", "1e999", "Guidance" },
    { "guidance_scale", "nan", "Guidance" },
    { "guidance_scale", "4.5x", "Guidance" },
    { "guidance_scale", "", "Guidance" },
    { "guidance_scale", "4,5", "Guidance" },
    { "num_images", "0", "Number of images" },
    { "num_images", "5", "Number of images" },
    { "num_images", "2.0", "Number of images" },
    { "num_images", "-1", "Number of images" },
    { "aspect_ratio", "5:4", "Aspect ratio" },
    { "output_format", "JPG", "Output format" },
    { "safety_tolerance", "7", "Safety tolerance" },
    { "safety_tolerance", "0", "Safety tolerance" },
    { "enhance_prompt", "maybe", "Enhance prompt" },
    { "sync_mode", "", "Sync mode" },
    { "image_url", "x.png", "Unknown parameter" },
    { "strength", "1", "Unknown parameter" },
  };
  guint64 seed = 0;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s=%s", good[i].field, good[i].value);
      g_assert_true (ks_params_set_from_string (params, good[i].field, good[i].value, &error));
      g_assert_no_error (error);
    }

  g_assert_cmpfloat (ks_params_get_guidance_scale (params), ==, 4.5);
  g_assert_cmpint (ks_params_get_num_images (params), ==, 4);
  g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==, "21:9");
  g_assert_true (ks_params_get_seed (params, &seed));
  g_assert_cmpuint (seed, ==, BIG_SEED);
  g_assert_cmpstr (ks_params_get_output_format (params), ==, "png");
  g_assert_cmpint (ks_params_get_safety_tolerance (params), ==, 6);
  g_assert_true (ks_params_get_enhance_prompt (params));
  g_assert_true (ks_params_get_sync_mode (params));
  g_assert_cmpstr (ks_params_get_prompt (params), ==, "A cat in a hat");

  /* Refusals leave the value as it was and name the field. */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s=%s", bad[i].field, bad[i].value);
      g_assert_false (ks_params_set_from_string (params, bad[i].field, bad[i].value, &error));
      g_assert_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS);
      g_assert_true (g_str_has_prefix (error->message, bad[i].label));
    }

  g_assert_cmpfloat (ks_params_get_guidance_scale (params), ==, 4.5);
  g_assert_cmpint (ks_params_get_num_images (params), ==, 4);
  g_assert_true (ks_params_get_seed (params, &seed));
  g_assert_cmpuint (seed, ==, BIG_SEED);
  g_assert_cmpint (ks_params_get_safety_tolerance (params), ==, 6);

  /* Clearing what may be cleared. */
  g_assert_true (ks_params_set_from_string (params, "seed", "random", NULL));
  g_assert_false (ks_params_get_seed (params, NULL));
  g_assert_true (ks_params_set_from_string (params, "aspect_ratio", "", NULL));
  g_assert_null (ks_params_get_aspect_ratio (params));
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              GHashTable *counts)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (n + 1));
}

static guint
notified (GHashTable *counts,
          const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

/* A UI binds to the properties: each change notifies once, a non-change
 * not at all. */
static void
test_params_properties (void)
{
  g_autoptr(KsParams) params = params_for (KS_MODEL_PRO, KS_MODE_EDIT);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *seed_text = NULL;
  g_autofree char *aspect = NULL;
  g_auto(GStrv) references = NULL;
  double guidance = 0;
  guint64 cost = 0;
  int tolerance = 0;

  g_signal_connect (params, "notify", G_CALLBACK (count_notify), counts);

  ks_params_set_guidance_scale (params, 3.5);
  ks_params_set_num_images (params, 1);
  ks_params_set_prompt (params, "");
  ks_params_unset_seed (params);
  ks_params_set_output_format (params, "jpeg");
  ks_params_set_references (params, NULL);
  ks_params_set_endpoint (params, ks_endpoint_find (KS_MODEL_PRO, KS_MODE_EDIT));
  g_assert_cmpuint (g_hash_table_size (counts), ==, 0);

  ks_params_set_guidance_scale (params, 5);
  ks_params_set_guidance_scale (params, 5);
  g_assert_cmpuint (notified (counts, "guidance-scale"), ==, 1);

  ks_params_set_num_images (params, 2);
  g_assert_cmpuint (notified (counts, "num-images"), ==, 1);
  g_assert_cmpuint (notified (counts, "cost"), ==, 1);

  ks_params_set_seed (params, 7);
  ks_params_set_seed (params, 7);
  g_assert_cmpuint (notified (counts, "seed"), ==, 1);

  ks_params_add_reference (params, "a.png");
  g_assert_cmpuint (notified (counts, "references"), ==, 1);
  ks_params_set_references (params, (const char * const[]) { "a.png", NULL });
  g_assert_cmpuint (notified (counts, "references"), ==, 1);

  ks_params_set_enhance_prompt (params, 2);   /* any true value is TRUE */
  ks_params_set_enhance_prompt (params, TRUE);
  g_assert_cmpuint (notified (counts, "enhance-prompt"), ==, 1);

  /* Through GObject, as a binding would. */
  g_object_set (params,
                "safety-tolerance", 4,
                "aspect-ratio", "3:2",
                "seed", BIG_SEED_TEXT,
                "prompt", "hello",
                NULL);
  g_object_get (params,
                "guidance-scale", &guidance,
                "safety-tolerance", &tolerance,
                "aspect-ratio", &aspect,
                "seed", &seed_text,
                "references", &references,
                "cost", &cost,
                NULL);
  g_assert_cmpfloat (guidance, ==, 5);
  g_assert_cmpint (tolerance, ==, 4);
  g_assert_cmpstr (aspect, ==, "3:2");
  g_assert_cmpstr (seed_text, ==, BIG_SEED_TEXT);
  g_assert_cmpstr (references[0], ==, "a.png");
  g_assert_cmpuint (cost, ==, 2 * 40000);
  g_assert_cmpstr (ks_params_get_prompt (params), ==, "hello");
  g_assert_cmpuint (notified (counts, "prompt"), ==, 1);

  /* [max] costs more: the cost notifies with the endpoint. */
  ks_params_set_endpoint (params, ks_endpoint_find (KS_MODEL_MAX, KS_MODE_EDIT));
  g_assert_cmpuint (notified (counts, "endpoint-id"), ==, 1);
  g_assert_cmpuint (notified (counts, "cost"), ==, 2);
  g_assert_cmpuint (ks_params_get_cost (params), ==, 2 * 80000);
  /* A chosen aspect ratio survives a change of endpoint. */
  g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==, "3:2");

  g_signal_handlers_disconnect_by_data (params, counts);
  g_assert_finalize_object (g_steal_pointer (&params));
}

/* An aspect ratio still at its default follows the endpoint's default. */
static void
test_params_endpoint_switch (void)
{
  g_autoptr(KsParams) params = params_for (KS_MODEL_PRO, KS_MODE_EDIT);

  g_assert_null (ks_params_get_aspect_ratio (params));
  ks_params_set_endpoint (params, ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));
  g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==, "1:1");
  ks_params_set_endpoint (params, ks_endpoint_find (KS_MODEL_MAX, KS_MODE_MULTI));
  g_assert_null (ks_params_get_aspect_ratio (params));
}

static void
test_params_cost (void)
{
  static const struct { KsModel model; int n; guint64 cost; const char *text; } cases[] = {
    { KS_MODEL_PRO, 1, 40000, "$0.04" },
    { KS_MODEL_PRO, 3, 120000, "$0.12" },
    { KS_MODEL_PRO, 4, 160000, "$0.16" },
    { KS_MODEL_MAX, 1, 80000, "$0.08" },
    { KS_MODEL_MAX, 4, 320000, "$0.32" },
    { KS_MODEL_MAX, 0, 0, "$0.00" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KsParams) params = params_for (cases[i].model, KS_MODE_MULTI);
      g_autofree char *text = NULL;

      ks_params_set_num_images (params, cases[i].n);
      g_assert_cmpuint (ks_params_get_cost (params), ==, cases[i].cost);
      text = ks_format_price (ks_params_get_cost (params));
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/params/defaults", test_params_defaults);
  g_test_add_func ("/params/valid", test_params_valid);
  g_test_add_func ("/params/violations", test_params_violations);
  g_test_add_func ("/params/violations-all", test_params_violations_all);
  g_test_add_func ("/params/field-error-boxed", test_params_field_error_boxed);
  g_test_add_func ("/params/request-body", test_params_request_body);
  g_test_add_func ("/params/request-body-unset", test_params_request_body_unset);
  g_test_add_func ("/params/json-round-trip", test_params_json_round_trip);
  g_test_add_func ("/params/from-json-damaged", test_params_from_json_damaged);
  g_test_add_func ("/params/set-from-string", test_params_set_from_string);
  g_test_add_func ("/params/properties", test_params_properties);
  g_test_add_func ("/params/endpoint-switch", test_params_endpoint_switch);
  g_test_add_func ("/params/cost", test_params_cost);

  return g_test_run ();
}
