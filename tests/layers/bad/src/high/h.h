#pragma once
#include "low/l.h"
