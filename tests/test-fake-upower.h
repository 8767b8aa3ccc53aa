/* test-fake-upower.h: a fake org.freedesktop.UPower on a test bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It exports the display device with what ks-sync-power.c reads (Type,
 * State, Percentage, IsPresent; PropertiesChanged), from a thread of its
 * own (test-fake-service.h). The setters run in that thread and return
 * once done. Header-only, static: shared by test-sync-power.c and
 * test-cli-sync.c without a build change.
 */
#pragma once

#include "test-fake-service.h"

#define FAKE_UPOWER_NAME "org.freedesktop.UPower"
#define FAKE_UPOWER_PATH "/org/freedesktop/UPower/devices/DisplayDevice"
#define FAKE_UPOWER_IFACE "org.freedesktop.UPower.Device"

/* org.freedesktop.UPower.Device's values. */
enum
{
  FAKE_UPOWER_STATE_CHARGING = 1,
  FAKE_UPOWER_STATE_DISCHARGING = 2,
  FAKE_UPOWER_TYPE_BATTERY = 2,
};

typedef struct
{
  FakeService service; /* first: a FakeService * is a FakeUPower * */

  /* Only touched in the thread, once it runs. */
  guint32  type;
  guint32  state;
  double   percentage;
  gboolean present;
} FakeUPower;

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

/* A battery in @state at @percentage, on the bus at @address; returns
 * once the name is owned. */
static G_GNUC_UNUSED FakeUPower *
fake_upower_new (const char *address,
                 guint32     state,
                 double      percentage)
{
  FakeUPower *fake = g_new0 (FakeUPower, 1);

  fake->type = FAKE_UPOWER_TYPE_BATTERY;
  fake->state = state;
  fake->percentage = percentage;
  fake->present = TRUE;
  fake_service_start (&fake->service, address, FAKE_UPOWER_NAME, FAKE_UPOWER_PATH, fake_upower_xml,
                      fake_upower_get_property, fake, "fake-upower");
  return fake;
}

/* As upowerd does: the new values, then PropertiesChanged with them. */
static G_GNUC_UNUSED void
fake_upower_set_in_thread (FakeService *service,
                           gpointer     data)
{
  FakeUPower            *fake = (FakeUPower *) service;
  const FakeUPowerLevel *level = data;
  GVariantBuilder        changed;

  fake->state = level->state;
  fake->percentage = level->percentage;
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changed, "{sv}", "State", g_variant_new_uint32 (level->state));
  g_variant_builder_add (&changed, "{sv}", "Percentage", g_variant_new_double (level->percentage));
  fake_service_emit_changed (service, FAKE_UPOWER_IFACE, &changed);
}

static G_GNUC_UNUSED void
fake_upower_set (FakeUPower *fake,
                 guint32     state,
                 double      percentage)
{
  FakeUPowerLevel level = { state, percentage };

  fake_service_call (&fake->service, fake_upower_set_in_thread, &level);
}

/* upowerd stops (or was never there). */
static G_GNUC_UNUSED void
fake_upower_vanish (FakeUPower *fake)
{
  fake_service_vanish (&fake->service);
}

static G_GNUC_UNUSED void
fake_upower_free (FakeUPower *fake)
{
  fake_service_stop (&fake->service);
  g_free (fake);
}
