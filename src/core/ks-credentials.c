#define G_LOG_DOMAIN "ks-credentials"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-credentials.h"
