#define G_LOG_DOMAIN "ks-sim-image"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-sim-image.h"
