#define G_LOG_DOMAIN "ks-params"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-params.h"
