/* Stand-in for FreeRTOS.h as ESP-IDF ships it (tests/boards/hostshim). */
#ifndef SHIM_FREERTOS_H
#define SHIM_FREERTOS_H
#include <stdint.h>
typedef uint32_t TickType_t;
#define portMAX_DELAY ((TickType_t)0xffffffffUL)
#endif
