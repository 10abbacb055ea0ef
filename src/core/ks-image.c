#define G_LOG_DOMAIN "ks-image"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-image.h"
