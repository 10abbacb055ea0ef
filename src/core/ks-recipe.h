#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

#include "ks-types.h"

G_BEGIN_DECLS

/* The recipe of a result: what it takes to make it again, embedded in an
 * exported image so that dropping or opening that image later can put the
 * settings back. Never the key.
 *
 * Stored as compact JSON ({"kontext-studio-recipe": 1, "endpoint": …,
 * "prompt": …, "seed": "…", "guidance_scale": …, "safety_tolerance": …,
 * "aspect_ratio": …, "output_format": …, "num_images": …,
 * "enhance_prompt": …, "request_id": …, "parent": …, "record": …,
 * "image": n}):
 *   PNG   a tEXt chunk "KontextStudio:Recipe" (plus "Description" = the
 *         prompt and "Software" = "Kontext Studio"), through gdk-pixbuf's
 *         PNG saver options;
 *   JPEG  a COM segment "KontextStudio:Recipe <json>" right after SOI
 *         (and any APP0/APP1), inserted into the bytes gdk-pixbuf wrote.
 */

#define KS_TYPE_RECIPE (ks_recipe_get_type ())
G_DECLARE_FINAL_TYPE (KsRecipe, ks_recipe, KS, RECIPE, GObject)

/* From a record (and which of its images). */
KsRecipe   *ks_recipe_new_for_record    (KsRecord      *record,
                                         guint          image_index);
/* The parameters the recipe holds (a new KsParams, without references),
 * the request id, parent record id, record id and image index. */
KsParams   *ks_recipe_dup_params        (KsRecipe      *self);
const char *ks_recipe_get_request_id    (KsRecipe      *self);
const char *ks_recipe_get_parent_id     (KsRecipe      *self);
const char *ks_recipe_get_record_id     (KsRecipe      *self);
guint       ks_recipe_get_image_index   (KsRecipe      *self);
char       *ks_recipe_to_json           (KsRecipe      *self);
/* Outside data: KS_ERROR_MALFORMED for anything that is not a recipe. */
KsRecipe   *ks_recipe_new_from_json     (const char    *json,
                                         gssize         length,
                                         GError       **error);

/* Encodes @pixbuf as "png" or "jpeg" (@quality 1–100 for JPEG) with
 * @recipe embedded (NULL: none, and no other text either). Pure CPU: call
 * it from a worker thread. */
GBytes     *ks_recipe_encode_image      (GdkPixbuf     *pixbuf,
                                         const char    *format,
                                         int            quality,
                                         KsRecipe      *recipe,
                                         GError       **error);
/* Finds a recipe in PNG or JPEG bytes without decoding the pixels (chunk
 * and segment walking, bounded). NULL with no error when there is none;
 * KS_ERROR_MALFORMED when one is there but damaged. */
KsRecipe   *ks_recipe_read_from_bytes   (GBytes        *bytes,
                                         GError       **error);

G_END_DECLS
