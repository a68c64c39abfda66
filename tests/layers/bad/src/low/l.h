#pragma once
#include "high/h.h"  // goes up: must be reported
