#include "mask/transform_spec.h"

namespace spur::mask {

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kKeep:
      return "keep";
    case Kind::kEmail:
      return "email";
    case Kind::kFirstName:
      return "first_name";
    case Kind::kLastName:
      return "last_name";
    case Kind::kFullName:
      return "full_name";
    case Kind::kPhone:
      return "phone";
    case Kind::kCreditCard:
      return "credit_card";
    case Kind::kIban:
      return "iban";
    case Kind::kStreet:
      return "street";
    case Kind::kCity:
      return "city";
    case Kind::kPostcode:
      return "postcode";
    case Kind::kDateShift:
      return "date_shift";
    case Kind::kBirthdate:
      return "birthdate";
    case Kind::kNoise:
      return "noise";
    case Kind::kHash:
      return "hash";
    case Kind::kUuid:
      return "uuid";
    case Kind::kNull:
      return "null";
    case Kind::kConstant:
      return "constant";
    case Kind::kPartial:
      return "partial";
    case Kind::kRegex:
      return "regex";
    case Kind::kJson:
      return "json";
  }
  return "unknown";
}

}  // namespace spur::mask
