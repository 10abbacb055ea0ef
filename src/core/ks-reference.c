#define G_LOG_DOMAIN "ks-reference"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-reference.h"
