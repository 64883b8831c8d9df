/* What the arrival model's two backtests (spatial.h) share. */
#ifndef FRONTCAST_SPATIAL_BACKTEST_H
#define FRONTCAST_SPATIAL_BACKTEST_H

#include "frontcast/spatial.h"

/* given, with what it leaves unset (no horizons; every_days, window_days
 * or cell_m <= 0) taken from def, a backtest's defaults. */
fc_arrival_backtest_options fc_arrival_backtest_resolve(const fc_arrival_backtest_options *given,
                                                        const fc_arrival_backtest_options *def);

#endif
