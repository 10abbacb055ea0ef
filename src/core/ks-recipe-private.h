#pragma once

#include "ks-recipe.h"

G_BEGIN_DECLS

/* Shared by ks-recipe.c (the object, JSON) and ks-recipe-image.c (PNG and
 * JPEG). */
const char *_ks_recipe_get_prompt (KsRecipe *self);

G_END_DECLS
