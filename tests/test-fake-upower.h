/* test-fake-upower.h: a fake org.freedesktop.UPower on a test bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It exports the display device with what ks-sync-power.c reads (Type,
 * State, Percentage, IsPresent; PropertiesChanged), from a thread and a
 * GMainContext of its own: it answers while the test's thread blocks,
 * in g_subprocess_communicate () on keepsake-cli or anywhere else. The
 * setters run in that thread and return once done. Header-only, static:
 * shared by test-sync-power.c and test-cli-sync.c without a build change.
 */
#pragma once

#include <gio/gio.h>

#define FAKE_UPOWER_NAME "org.freedesktop.UPower"
#define FAKE_UPOWER_PATH "/org/freedesktop/UPower/devices/DisplayDevice"
#define FAKE_UPOWER_IFACE "org.freedesktop.UPower.Device"
#define FAKE_UPOWER_WAIT_S 30

/* org.freedesktop.UPower.Device's values. */
enum
{
  FAKE_UPOWER_STATE_CHARGING = 1,
  FAKE_UPOWER_STATE_DISCHARGING = 2,
  FAKE_UPOWER_TYPE_BATTERY = 2,
};

typedef struct
{
  char         *address;
  GThread      *thread;
  GMainContext *context; /* owned: the thread's */
  GMainLoop    *loop;
  GMutex        mutex;
  GCond         cond;
  gboolean      named; /* under mutex */

  /* Only touched in the thread, once it runs. */
  GDBusConnection *bus; /* its own connection, like a real service */
  guint            object_id;
  guint            name_id;
  guint32          type;
  guint32          state;
  double           percentage;
  gboolean         present;
} FakeUPower;

typedef void (*FakeUPowerFunc) (FakeUPower *fake,
                                gpointer    data);

typedef struct
{
  FakeUPower    *fake;
  FakeUPowerFunc func;
  gpointer       data;
  gboolean       done; /* under fake->mutex */
} FakeUPowerCall;

typedef struct
{
  guint32 state;
  double  percentage;
} FakeUPowerLevel;

static const char fake_upower_xml[] = "<node>"
                                      "  <interface name='" FAKE_UPOWER_IFACE "'>"
                                      "    <property name='Type' type='u' access='read'/>"
                                      "    <property name='State' type='u' access='read'/>"
                                      "    <property name='Percentage' type='d' access='read'/>"
                                      "    <property name='IsPresent' type='b' access='read'/>"
                                      "  </interface>"
                                      "</node>";

static G_GNUC_UNUSED GVariant *
fake_upower_get_property (GDBusConnection *connection,
                          const char      *sender,
                          const char      *object_path,
                          const char      *interface_name,
                          const char      *property_name,
                          GError         **error,
                          gpointer         user_data)
{
  FakeUPower *fake = user_data;

  if (g_str_equal (property_name, "Type"))
    return g_variant_new_uint32 (fake->type);
  if (g_str_equal (property_name, "State"))
    return g_variant_new_uint32 (fake->state);
  if (g_str_equal (property_name, "Percentage"))
    return g_variant_new_double (fake->percentage);
  if (g_str_equal (property_name, "IsPresent"))
    return g_variant_new_boolean (fake->present);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property_name);
  return NULL;
}

static G_GNUC_UNUSED void
fake_upower_name_acquired_cb (GDBusConnection *connection,
                              const char      *name,
                              gpointer         user_data)
{
  FakeUPower *fake = user_data;

  g_mutex_lock (&fake->mutex);
  fake->named = TRUE;
  g_cond_broadcast (&fake->cond);
  g_mutex_unlock (&fake->mutex);
}

/* The connection, the object and the name are all made with the
 * thread's context as thread default: their callbacks come there. */
static G_GNUC_UNUSED gpointer
fake_upower_thread (gpointer user_data)
{
  static const GDBusInterfaceVTable vtable = { NULL, fake_upower_get_property, NULL, { 0 } };
  FakeUPower                       *fake = user_data;
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (fake_upower_xml, NULL);
  g_autoptr (GError) error = NULL;

  g_main_context_push_thread_default (fake->context);
  fake->bus = g_dbus_connection_new_for_address_sync (fake->address,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                          G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
  g_assert_no_error (error);
  fake->object_id = g_dbus_connection_register_object (fake->bus, FAKE_UPOWER_PATH, info->interfaces[0], &vtable,
                                                       fake, NULL, &error);
  g_assert_no_error (error);
  fake->name_id = g_bus_own_name_on_connection (fake->bus, FAKE_UPOWER_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                                fake_upower_name_acquired_cb, NULL, fake, NULL);

  g_main_loop_run (fake->loop);

  g_clear_handle_id (&fake->name_id, g_bus_unown_name);
  g_dbus_connection_unregister_object (fake->bus, fake->object_id);
  g_dbus_connection_close_sync (fake->bus, NULL, NULL);
  g_clear_object (&fake->bus);
  /* What the closing left behind, before the context goes. */
  while (g_main_context_iteration (fake->context, FALSE))
    ;
  g_main_context_pop_thread_default (fake->context);
  return NULL;
}

/* A battery in @state at @percentage, on the bus at @address; returns
 * once the name is owned. */
static G_GNUC_UNUSED FakeUPower *
fake_upower_new (const char *address,
                 guint32     state,
                 double      percentage)
{
  FakeUPower *fake = g_new0 (FakeUPower, 1);
  gint64      deadline = g_get_monotonic_time () + FAKE_UPOWER_WAIT_S * G_USEC_PER_SEC;

  fake->address = g_strdup (address);
  fake->context = g_main_context_new ();
  fake->loop = g_main_loop_new (fake->context, FALSE);
  g_mutex_init (&fake->mutex);
  g_cond_init (&fake->cond);
  fake->type = FAKE_UPOWER_TYPE_BATTERY;
  fake->state = state;
  fake->percentage = percentage;
  fake->present = TRUE;
  fake->thread = g_thread_new ("fake-upower", fake_upower_thread, fake);

  g_mutex_lock (&fake->mutex);
  while (!fake->named)
    if (!g_cond_wait_until (&fake->cond, &fake->mutex, deadline))
      g_error ("The fake UPower did not get its name in %d s", FAKE_UPOWER_WAIT_S);
  g_mutex_unlock (&fake->mutex);
  return fake;
}

static G_GNUC_UNUSED gboolean
fake_upower_call_cb (gpointer user_data)
{
  FakeUPowerCall *call = user_data;

  call->func (call->fake, call->data);
  g_mutex_lock (&call->fake->mutex);
  call->done = TRUE;
  g_cond_broadcast (&call->fake->cond);
  g_mutex_unlock (&call->fake->mutex);
  return G_SOURCE_REMOVE;
}

/* Runs @func in the fake's thread, and waits for it. */
static G_GNUC_UNUSED void
fake_upower_call (FakeUPower    *fake,
                  FakeUPowerFunc func,
                  gpointer       data)
{
  FakeUPowerCall call = { fake, func, data, FALSE };

  g_main_context_invoke (fake->context, fake_upower_call_cb, &call);
  g_mutex_lock (&fake->mutex);
  while (!call.done)
    g_cond_wait (&fake->cond, &fake->mutex);
  g_mutex_unlock (&fake->mutex);
}

/* As upowerd does: the new values, then PropertiesChanged with them. */
static G_GNUC_UNUSED void
fake_upower_set_in_thread (FakeUPower *fake,
                           gpointer    data)
{
  const FakeUPowerLevel *level = data;
  g_autoptr (GError) error = NULL;
  GVariantBuilder changed;

  fake->state = level->state;
  fake->percentage = level->percentage;
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changed, "{sv}", "State", g_variant_new_uint32 (level->state));
  g_variant_builder_add (&changed, "{sv}", "Percentage", g_variant_new_double (level->percentage));
  g_assert_true (g_dbus_connection_emit_signal (fake->bus, NULL, FAKE_UPOWER_PATH, "org.freedesktop.DBus.Properties",
                                                "PropertiesChanged",
                                                g_variant_new ("(sa{sv}as)", FAKE_UPOWER_IFACE, &changed, NULL),
                                                &error));
  g_assert_no_error (error);
}

static G_GNUC_UNUSED void
fake_upower_set (FakeUPower *fake,
                 guint32     state,
                 double      percentage)
{
  FakeUPowerLevel level = { state, percentage };

  fake_upower_call (fake, fake_upower_set_in_thread, &level);
}

static G_GNUC_UNUSED void
fake_upower_vanish_in_thread (FakeUPower *fake,
                              gpointer    data)
{
  g_clear_handle_id (&fake->name_id, g_bus_unown_name);
}

/* upowerd stops (or was never there). */
static G_GNUC_UNUSED void
fake_upower_vanish (FakeUPower *fake)
{
  fake_upower_call (fake, fake_upower_vanish_in_thread, NULL);
}

static G_GNUC_UNUSED void
fake_upower_free (FakeUPower *fake)
{
  g_main_loop_quit (fake->loop);
  g_thread_join (fake->thread);
  g_main_loop_unref (fake->loop);
  g_main_context_unref (fake->context);
  g_mutex_clear (&fake->mutex);
  g_cond_clear (&fake->cond);
  g_free (fake->address);
  g_free (fake);
}
