#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Binds the string key @key of @settings to the guint property @property of
 * @object (a combo row's "selected"): position i stands for @nicks[i].
 * @nicks is NULL-terminated and must outlive the binding (a static array). */
void ks_settings_bind_nicks (GSettings          *settings,
                             const char         *key,
                             gpointer            object,
                             const char         *property,
                             const char * const *nicks);

G_END_DECLS
