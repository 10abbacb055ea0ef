/* A GNetworkMonitor the tests control: network-available is what they
 * set, and setting it emits network-changed. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TEST_TYPE_MONITOR (test_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestMonitor, test_monitor, TEST, MONITOR, GObject)

TestMonitor *test_monitor_new           (gboolean     available);
void         test_monitor_set_available (TestMonitor *self,
                                         gboolean     available);

G_END_DECLS
