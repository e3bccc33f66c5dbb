/* Stand-in for the sdkconfig.h ESP-IDF generates from sdkconfig.defaults
 * (tests/boards/hostshim): the one value the glue reads. */
#define CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ 240
