/* The endpoint catalogue: ids, modes, schemas and prices per PROTOCOL.md. */

#include "config.h"

#include "ks-core.h"

static const char * const expected_ids[] = {
  "fal-ai/flux-pro/kontext",
  "fal-ai/flux-pro/kontext/text-to-image",
  "fal-ai/flux-pro/kontext/multi",
  "fal-ai/flux-pro/kontext/max",
  "fal-ai/flux-pro/kontext/max/text-to-image",
  "fal-ai/flux-pro/kontext/max/multi",
};

static void
test_endpoint_list (void)
{
  const KsEndpoint * const *list;
  guint n = 0;

  list = ks_endpoint_list (&n);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected_ids));
  g_assert_null (list[n]);

  for (guint i = 0; i < n; i++)
    {
      const KsEndpoint *endpoint = list[i];
      KsModel model = i < 3 ? KS_MODEL_PRO : KS_MODEL_MAX;
      KsMode mode = (KsMode[]) { KS_MODE_EDIT, KS_MODE_TEXT_TO_IMAGE, KS_MODE_MULTI }[i % 3];

      g_assert_cmpstr (ks_endpoint_get_id (endpoint), ==, expected_ids[i]);
      g_assert_true (ks_endpoint_lookup (expected_ids[i]) == endpoint);
      g_assert_true (ks_endpoint_find (model, mode) == endpoint);
      g_assert_cmpint (ks_endpoint_get_model (endpoint), ==, model);
      g_assert_cmpint (ks_endpoint_get_mode (endpoint), ==, mode);
      g_assert_nonnull (strstr (ks_endpoint_get_title (endpoint),
                                model == KS_MODEL_PRO ? "[pro]" : "[max]"));
      g_assert_cmpuint (ks_endpoint_get_price_per_image (endpoint), ==,
                        model == KS_MODEL_PRO ? 40000 : 80000);
    }

  g_assert_null (ks_endpoint_lookup ("fal-ai/flux-pro"));
  g_assert_null (ks_endpoint_lookup ("fal-ai/flux-pro/kontext/"));
  g_assert_null (ks_endpoint_lookup (""));
  g_assert_null (ks_endpoint_lookup (NULL));
}

static void
assert_param (const KsEndpoint *endpoint,
              const char       *name,
              KsParamType       type,
              gboolean          required,
              const char       *default_value)
{
  const KsParamSpec *spec = ks_endpoint_get_param (endpoint, name);

  g_assert_nonnull (spec);
  g_assert_cmpstr (spec->name, ==, name);
  g_assert_cmpint (spec->type, ==, type);
  g_assert_cmpint (spec->required, ==, required);
  g_assert_cmpstr (spec->default_value, ==, default_value);
  g_assert_nonnull (spec->label);
  g_assert_cmpstr (ks_param_spec_get_label (spec), !=, "");
}

static void
test_endpoint_schemas (void)
{
  static const char * const ratios[] = {
    "21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21", NULL
  };
  const KsEndpoint * const *list = ks_endpoint_list (NULL);

  for (guint i = 0; list[i] != NULL; i++)
    {
      const KsEndpoint *endpoint = list[i];
      KsMode mode = ks_endpoint_get_mode (endpoint);
      const KsParamSpec *params;
      const KsParamSpec *spec;
      guint n_params;

      params = ks_endpoint_get_params (endpoint, &n_params);
      g_assert_nonnull (params);

      /* Exactly the members of the table: prompt, the references the mode
       * takes, and eight shared ones. */
      g_assert_cmpuint (n_params, ==, mode == KS_MODE_TEXT_TO_IMAGE ? 9 : 10);

      assert_param (endpoint, "prompt", KS_PARAM_STRING, TRUE, NULL);
      assert_param (endpoint, "guidance_scale", KS_PARAM_NUMBER, FALSE, "3.5");
      assert_param (endpoint, "num_images", KS_PARAM_INTEGER, FALSE, "1");
      assert_param (endpoint, "seed", KS_PARAM_SEED, FALSE, NULL);
      assert_param (endpoint, "output_format", KS_PARAM_CHOICE, FALSE, "jpeg");
      assert_param (endpoint, "safety_tolerance", KS_PARAM_CHOICE, FALSE, "2");
      assert_param (endpoint, "sync_mode", KS_PARAM_BOOLEAN, FALSE, "false");
      assert_param (endpoint, "enhance_prompt", KS_PARAM_BOOLEAN, FALSE, "false");
      assert_param (endpoint, "aspect_ratio", KS_PARAM_CHOICE, FALSE,
                    mode == KS_MODE_TEXT_TO_IMAGE ? "1:1" : NULL);

      switch (mode)
        {
        case KS_MODE_EDIT:
          assert_param (endpoint, "image_url", KS_PARAM_URL, TRUE, NULL);
          g_assert_null (ks_endpoint_get_param (endpoint, "image_urls"));
          break;
        case KS_MODE_TEXT_TO_IMAGE:
          g_assert_null (ks_endpoint_get_param (endpoint, "image_url"));
          g_assert_null (ks_endpoint_get_param (endpoint, "image_urls"));
          break;
        case KS_MODE_MULTI:
          assert_param (endpoint, "image_urls", KS_PARAM_URL_LIST, TRUE, NULL);
          g_assert_null (ks_endpoint_get_param (endpoint, "image_url"));
          spec = ks_endpoint_get_param (endpoint, "image_urls");
          g_assert_cmpfloat (spec->minimum, ==, 2);
          g_assert_cmpfloat (spec->maximum, >=, 2);
          break;
        default:
          g_assert_not_reached ();
        }

      spec = ks_endpoint_get_param (endpoint, "guidance_scale");
      g_assert_cmpfloat (spec->minimum, ==, 1);
      g_assert_cmpfloat (spec->maximum, ==, 20);
      spec = ks_endpoint_get_param (endpoint, "num_images");
      g_assert_cmpfloat (spec->minimum, ==, 1);
      g_assert_cmpfloat (spec->maximum, ==, 4);

      spec = ks_endpoint_get_param (endpoint, "aspect_ratio");
      g_assert_true (g_strv_equal ((const char * const *) spec->choices, ratios));
      g_assert_true (ks_param_spec_has_choice (spec, "9:21"));
      g_assert_false (ks_param_spec_has_choice (spec, "5:4"));

      spec = ks_endpoint_get_param (endpoint, "output_format");
      g_assert_true (g_strv_equal ((const char * const *) spec->choices,
                                   (const char * const[]) { "jpeg", "png", NULL }));

      spec = ks_endpoint_get_param (endpoint, "safety_tolerance");
      g_assert_true (g_strv_equal ((const char * const *) spec->choices,
                                   (const char * const[]) { "1", "2", "3", "4", "5", "6", NULL }));

      g_assert_null (ks_endpoint_get_param (endpoint, "nonsense"));
    }
}

static void
test_endpoint_app_root (void)
{
  static const struct { const char *id; const char *root; } cases[] = {
    { "fal-ai/flux-pro/kontext", "fal-ai/flux-pro" },
    { "fal-ai/flux-pro/kontext/max", "fal-ai/flux-pro" },
    { "fal-ai/flux-pro/kontext/max/text-to-image", "fal-ai/flux-pro" },
    { "fal-ai/flux-pro", "fal-ai/flux-pro" },
    { "owner/alias/", "owner/alias" },
    { "fal-ai", NULL },
    { "fal-ai/", NULL },
    { "/flux-pro/kontext", NULL },
    { "fal-ai//kontext", NULL },
    { "", NULL },
    { NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *root = ks_endpoint_id_app_root (cases[i].id);

      g_assert_cmpstr (root, ==, cases[i].root);
    }
}

static void
test_endpoint_model_strings (void)
{
  KsModel model = KS_MODEL_PRO;

  g_assert_cmpstr (ks_model_to_string (KS_MODEL_PRO), ==, "pro");
  g_assert_cmpstr (ks_model_to_string (KS_MODEL_MAX), ==, "max");
  g_assert_true (ks_model_from_string ("max", &model));
  g_assert_cmpint (model, ==, KS_MODEL_MAX);
  g_assert_true (ks_model_from_string ("PRO", &model));
  g_assert_cmpint (model, ==, KS_MODEL_PRO);
  g_assert_false (ks_model_from_string ("ultra", &model));
  g_assert_false (ks_model_from_string ("", &model));
  g_assert_false (ks_model_from_string (NULL, &model));
  g_assert_cmpint (model, ==, KS_MODEL_PRO);
}

static void
test_endpoint_format_price (void)
{
  static const struct { guint64 micro; const char *text; } cases[] = {
    { 0, "$0.00" },
    { 40000, "$0.04" },
    { 80000, "$0.08" },
    { 120000, "$0.12" },
    { 320000, "$0.32" },
    { 1000000, "$1.00" },
    { 5000, "$0.005" },
    { 1, "$0.000001" },
    { 1234567, "$1.234567" },
    { 12500000, "$12.50" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = ks_format_price (cases[i].micro);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/endpoint/list", test_endpoint_list);
  g_test_add_func ("/endpoint/schemas", test_endpoint_schemas);
  g_test_add_func ("/endpoint/app-root", test_endpoint_app_root);
  g_test_add_func ("/endpoint/model-strings", test_endpoint_model_strings);
  g_test_add_func ("/endpoint/format-price", test_endpoint_format_price);

  return g_test_run ();
}
