/**
 * @file banklink.h
 * @brief banklink: bank-connection calls (Heron Data, MoneyKit) for
 * microcontrollers and hosts. Include this one header.
 *
 * Zero heap: the caller owns the client, the work buffer and the JSON token
 * array. The network is reached only through a bl_transport_t (see port/).
 */
#ifndef BANKLINK_H
#define BANKLINK_H

#include "bl_config_defaults.h"
#include "bl_status.h"
#include "bl_transport.h"
#include "bl_json.h"
#include "bl_json_stream.h"
#include "bl_time.h"
#include "bl_http.h"
#include "bl_client.h"
#include "bl_heron.h"
#include "bl_moneykit.h"

#endif /* BANKLINK_H */
