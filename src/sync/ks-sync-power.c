/* ks-sync-power.c: uploads wait while the battery is low
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * UPower's display device (the composite of the machine's batteries)
 * says whether the computer runs on battery and how full it is. Below
 * the engine's threshold, unless allowed, no upload and no hashing
 * starts (decoding photos is what costs the battery most; scans and
 * watching go on, they are cheap); uploads already running finish. A
 * machine without UPower, or without a battery, is on mains.
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ks-sync-engine-private.h"

#define UPOWER_NAME "org.freedesktop.UPower"
#define UPOWER_DISPLAY_DEVICE "/org/freedesktop/UPower/devices/DisplayDevice"
#define UPOWER_DEVICE_IFACE "org.freedesktop.UPower.Device"
/* How long the queue waits for UPower's first answer at most. */
#define POWER_WAIT_S 5

/* org.freedesktop.UPower.Device's Type and State values. */
enum
{
  UPOWER_TYPE_BATTERY = 2,
  UPOWER_TYPE_UPS = 3,
};

enum
{
  UPOWER_STATE_DISCHARGING = 2,
  UPOWER_STATE_EMPTY = 3,
  UPOWER_STATE_PENDING_DISCHARGE = 6,
};

/* The bus UPower is looked for on: the system bus, or for tests
 * KEEPSAKE_UPOWER_BUS=session (a fake UPower on a private bus) or
 * =none (never look: always on mains). */
static gboolean
power_bus (GBusType *out_bus)
{
  const char *bus = g_getenv ("KEEPSAKE_UPOWER_BUS");

  *out_bus = G_BUS_TYPE_SYSTEM;
  if (bus == NULL || *bus == '\0' || g_str_equal (bus, "system"))
    return TRUE;
  if (g_str_equal (bus, "session"))
    {
      *out_bus = G_BUS_TYPE_SESSION;
      return TRUE;
    }
  if (!g_str_equal (bus, "none"))
    g_warning ("KEEPSAKE_UPOWER_BUS=%s: expected system, session or none", bus);
  return FALSE;
}

static gboolean
get_uint (GDBusProxy *proxy,
          const char *name,
          guint32    *out)
{
  g_autoptr (GVariant) value = g_dbus_proxy_get_cached_property (proxy, name);

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return FALSE;
  *out = g_variant_get_uint32 (value);
  return TRUE;
}

/* Whether the machine runs on a battery now, and at what charge. */
static gboolean
read_on_battery (GDBusProxy *proxy,
                 double     *out_percent)
{
  g_autoptr (GVariant) present = NULL;
  g_autoptr (GVariant) percent = NULL;
  g_autofree char *owner = proxy != NULL ? g_dbus_proxy_get_name_owner (proxy) : NULL;
  guint32          type = 0, state = 0;

  /* Without an owner the cached values are gone with upowerd. */
  if (owner == NULL)
    return FALSE;
  present = g_dbus_proxy_get_cached_property (proxy, "IsPresent");
  percent = g_dbus_proxy_get_cached_property (proxy, "Percentage");
  if (present == NULL || !g_variant_is_of_type (present, G_VARIANT_TYPE_BOOLEAN) ||
      !g_variant_get_boolean (present) || percent == NULL ||
      !g_variant_is_of_type (percent, G_VARIANT_TYPE_DOUBLE) || !get_uint (proxy, "Type", &type) ||
      !get_uint (proxy, "State", &state))
    return FALSE;
  if (type != UPOWER_TYPE_BATTERY && type != UPOWER_TYPE_UPS)
    return FALSE;
  if (state != UPOWER_STATE_DISCHARGING && state != UPOWER_STATE_EMPTY && state != UPOWER_STATE_PENDING_DISCHARGE)
    return FALSE;
  *out_percent = g_variant_get_double (percent);
  return TRUE;
}

void
ks_sync_power_update (KsSyncEngine *self)
{
  double           percent = 100;
  gboolean         low;
  g_autofree char *message = NULL;

  low = !self->allow_low_battery && read_on_battery (self->power, &percent) &&
        percent < (double) self->battery_threshold;
  if (low)
    message = g_strdup_printf (_ ("On battery at %u %%: uploads wait until the computer is plugged in or "
                                  "charged to %u %%."),
                               (guint) CLAMP (floor (percent), 0, 100), self->battery_threshold);

  if (low == self->low_battery && g_strcmp0 (message, self->battery_message) == 0)
    return;
  if (low != self->low_battery)
    g_debug (low ? "On a low battery (%.1f %%): uploads wait" : "Uploads may go on (battery %.1f %%)", percent);
  self->low_battery = low;
  g_free (self->battery_message);
  self->battery_message = g_steal_pointer (&message);

  /* An unreachable server or a fatal error says more. */
  if (!self->offline && self->fatal == NULL)
    ks_sync_engine_set_last_error (self, self->battery_message);
  ks_sync_queue_pump (self);
  ks_sync_engine_update_state (self);
}

static void
properties_changed_cb (GDBusProxy   *proxy,
                       GVariant     *changed,
                       GStrv         invalidated,
                       KsSyncEngine *self)
{
  ks_sync_power_update (self);
}

static void
name_owner_cb (GDBusProxy   *proxy,
               GParamSpec   *pspec,
               KsSyncEngine *self)
{
  ks_sync_power_update (self);
}

static void
proxy_ready_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  GDBusProxy   *proxy = g_dbus_proxy_new_for_bus_finish (result, &error);
  KsSyncEngine *self;

  /* Cancelled: the engine stopped, and may be gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  g_clear_object (&self->power_cancellable);
  g_clear_handle_id (&self->power_wait_id, g_source_remove);
  if (proxy == NULL)
    g_debug ("No UPower (%s): uploads do not wait for a charger", error->message);
  else
    {
      self->power = proxy;
      g_signal_connect (proxy, "g-properties-changed", G_CALLBACK (properties_changed_cb), self);
      g_signal_connect (proxy, "notify::g-name-owner", G_CALLBACK (name_owner_cb), self);
      ks_sync_power_update (self);
    }
  /* What waited for the answer may start now. */
  ks_sync_queue_pump (self);
}

/* UPower slow to answer (started on demand, a busy system bus): the
 * queue stops waiting for it; a low battery still holds what comes
 * after the answer. */
static gboolean
power_wait_over_cb (gpointer user_data)
{
  KsSyncEngine *self = user_data;

  self->power_wait_id = 0;
  g_debug ("UPower has not answered in %u s: not waiting for it", POWER_WAIT_S);
  ks_sync_queue_pump (self);
  return G_SOURCE_REMOVE;
}

gboolean
ks_sync_power_pending (KsSyncEngine *self)
{
  return self->power_wait_id != 0;
}

void
ks_sync_engine_watch_power (KsSyncEngine *self,
                            gboolean      watch)
{
  GBusType bus;

  if (watch && self->power == NULL && self->power_cancellable == NULL && power_bus (&bus))
    {
      self->power_cancellable = g_cancellable_new ();
      /* Nothing is hashed or uploaded before the answer: on a low
       * battery, not even the first photos. */
      self->power_wait_id = g_timeout_add_seconds (POWER_WAIT_S, power_wait_over_cb, self);
      g_dbus_proxy_new_for_bus (bus, G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS, NULL, UPOWER_NAME,
                                UPOWER_DISPLAY_DEVICE, UPOWER_DEVICE_IFACE, self->power_cancellable,
                                proxy_ready_cb, self);
    }
  else if (!watch)
    {
      g_cancellable_cancel (self->power_cancellable);
      g_clear_object (&self->power_cancellable);
      g_clear_handle_id (&self->power_wait_id, g_source_remove);
      if (self->power != NULL)
        g_signal_handlers_disconnect_by_data (self->power, self);
      g_clear_object (&self->power);
      if (self->battery_message != NULL && g_strcmp0 (self->last_error, self->battery_message) == 0)
        ks_sync_engine_set_last_error (self, NULL);
      self->low_battery = FALSE;
      g_clear_pointer (&self->battery_message, g_free);
    }
}
