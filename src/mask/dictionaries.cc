#include "mask/dictionaries.h"

#include <algorithm>
#include <string>
#include <unordered_set>

namespace spur::mask {
namespace {

constexpr std::string_view kFirstNames[] = {
    "James",     "Mary",      "Robert",     "Patricia", "John",      "Jennifer", "Michael",
    "Linda",     "David",     "Elizabeth",  "William",  "Barbara",   "Richard",  "Susan",
    "Joseph",    "Jessica",   "Thomas",     "Sarah",    "Charles",   "Karen",    "Christopher",
    "Lisa",      "Daniel",    "Nancy",      "Matthew",  "Betty",     "Anthony",  "Margaret",
    "Mark",      "Sandra",    "Donald",     "Ashley",   "Steven",    "Kimberly", "Paul",
    "Emily",     "Andrew",    "Donna",      "Joshua",   "Michelle",  "Kenneth",  "Carol",
    "Kevin",     "Amanda",    "Brian",      "Dorothy",  "George",    "Melissa",  "Timothy",
    "Deborah",   "Ronald",    "Stephanie",  "Edward",   "Rebecca",   "Jason",    "Sharon",
    "Jeffrey",   "Laura",     "Ryan",       "Cynthia",  "Jacob",     "Kathleen", "Gary",
    "Amy",       "Nicholas",  "Angela",     "Eric",     "Shirley",   "Jonathan", "Anna",
    "Stephen",   "Brenda",    "Larry",      "Pamela",   "Justin",    "Emma",     "Scott",
    "Nicole",    "Brandon",   "Helen",      "Benjamin", "Samantha",  "Samuel",   "Katherine",
    "Gregory",   "Christine", "Alexander",  "Debra",    "Frank",     "Rachel",   "Patrick",
    "Carolyn",   "Raymond",   "Janet",      "Jack",     "Catherine", "Dennis",   "Maria",
    "Jerry",     "Heather",   "Tyler",      "Diane",    "Aaron",     "Ruth",     "Jose",
    "Julie",     "Adam",      "Olivia",     "Nathan",   "Joyce",     "Henry",    "Virginia",
    "Douglas",   "Victoria",  "Zachary",    "Kelly",    "Peter",     "Lauren",   "Kyle",
    "Christina", "Ethan",     "Joan",       "Walter",   "Evelyn",    "Noah",     "Judith",
    "Jeremy",    "Megan",     "Christian",  "Andrea",   "Keith",     "Cheryl",   "Roger",
    "Hannah",    "Terry",     "Jacqueline", "Gerald",   "Martha",    "Harold",   "Gloria",
    "Sean",      "Teresa",    "Austin",     "Ann",      "Carl",      "Sara",     "Arthur",
    "Madison",   "Lawrence",  "Frances",    "Dylan",    "Kathryn",   "Jesse",    "Janice",
    "Jordan",    "Jean",      "Bryan",      "Abigail",  "Billy",     "Alice",    "Joe",
    "Judy",      "Bruce",     "Sophia",     "Gabriel",  "Grace",     "Logan",    "Denise",
    "Albert",    "Amber",     "Willie",     "Doris",    "Alan",      "Marilyn",  "Juan",
    "Danielle",  "Wayne",     "Beverly",    "Elijah",   "Isabella",  "Randy",    "Theresa",
    "Roy",       "Diana",     "Vincent",    "Natalie",  "Ralph",     "Brittany", "Eugene",
    "Charlotte", "Russell",   "Marie",      "Bobby",    "Kayla",     "Mason",    "Alexis",
    "Philip",    "Lori",      "Louis",      "Alma",     "Liam",      "Mia",      "Lucas",
    "Ella",      "Oliver",    "Chloe",      "Leo",      "Zoe",       "Felix",    "Clara",
    "Hugo",      "Ines",      "Mateo",      "Lucia",    "Luca",      "Giulia",   "Jonas",
    "Lena",      "Finn",      "Leonie",     "Emil",     "Ida",       "Aiden",    "Nora",
    "Omar",      "Amira",     "Ravi",       "Priya",    "Kenji",     "Yuki",     "Mohammed",
    "Fatima",    "Ahmed",     "Layla",      "Diego",    "Camila",    "Pablo",    "Valentina",
    "Sven",      "Astrid",    "Lars",       "Freya",    "Pierre",    "Camille",  "Antoine",
    "Manon",     "Marco",     "Chiara",     "Tomas",    "Elena",     "Nikolai",  "Irina",
    "Arjun",     "Ananya",    "Wei",        "Mei",      "Hiroshi",   "Sakura",
};

constexpr std::string_view kLastNames[] = {
    "Smith",    "Johnson",   "Williams",   "Brown",     "Jones",      "Garcia",    "Miller",
    "Davis",    "Rodriguez", "Martinez",   "Hernandez", "Lopez",      "Gonzalez",  "Wilson",
    "Anderson", "Thomas",    "Taylor",     "Moore",     "Jackson",    "Martin",    "Lee",
    "Perez",    "Thompson",  "White",      "Harris",    "Sanchez",    "Clark",     "Ramirez",
    "Lewis",    "Robinson",  "Walker",     "Young",     "Allen",      "King",      "Wright",
    "Scott",    "Torres",    "Nguyen",     "Hill",      "Flores",     "Green",     "Adams",
    "Nelson",   "Baker",     "Hall",       "Rivera",    "Campbell",   "Mitchell",  "Carter",
    "Roberts",  "Gomez",     "Phillips",   "Evans",     "Turner",     "Diaz",      "Parker",
    "Cruz",     "Edwards",   "Collins",    "Reyes",     "Stewart",    "Morris",    "Morales",
    "Murphy",   "Cook",      "Rogers",     "Gutierrez", "Ortiz",      "Morgan",    "Cooper",
    "Peterson", "Bailey",    "Reed",       "Kelly",     "Howard",     "Ramos",     "Kim",
    "Cox",      "Ward",      "Richardson", "Watson",    "Brooks",     "Chavez",    "Wood",
    "James",    "Bennett",   "Gray",       "Mendoza",   "Ruiz",       "Hughes",    "Price",
    "Alvarez",  "Castillo",  "Sanders",    "Patel",     "Myers",      "Long",      "Ross",
    "Foster",   "Jimenez",   "Powell",     "Jenkins",   "Perry",      "Russell",   "Sullivan",
    "Bell",     "Coleman",   "Butler",     "Henderson", "Barnes",     "Gonzales",  "Fisher",
    "Vasquez",  "Simmons",   "Romero",     "Jordan",    "Patterson",  "Alexander", "Hamilton",
    "Graham",   "Reynolds",  "Griffin",    "Wallace",   "Moreno",     "West",      "Cole",
    "Hayes",    "Bryant",    "Herrera",    "Gibson",    "Ellis",      "Tran",      "Medina",
    "Aguilar",  "Stevens",   "Murray",     "Ford",      "Castro",     "Marshall",  "Owens",
    "Harrison", "Fernandez", "McDonald",   "Woods",     "Washington", "Kennedy",   "Wells",
    "Vargas",   "Henry",     "Chen",       "Freeman",   "Webb",       "Tucker",    "Guzman",
    "Burns",    "Crawford",  "Olson",      "Simpson",   "Porter",     "Hunter",    "Gordon",
    "Mendez",   "Silva",     "Shaw",       "Snyder",    "Mason",      "Dixon",     "Munoz",
    "Hunt",     "Hicks",     "Holmes",     "Palmer",    "Wagner",     "Black",     "Robertson",
    "Boyd",     "Rose",      "Stone",      "Salazar",   "Fox",        "Warren",    "Mills",
    "Meyer",    "Rice",      "Schmidt",    "Garza",     "Daniels",    "Ferguson",  "Nichols",
    "Stephens", "Soto",      "Weaver",     "Ryan",      "Gardner",    "Payne",     "Grant",
    "Dunn",     "Kelley",    "Spencer",    "Hawkins",   "Arnold",     "Pierce",    "Hansen",
    "Peters",   "Santos",    "Hart",       "Bradley",   "Knight",     "Elliott",   "Cunningham",
    "Duncan",   "Armstrong", "Hudson",     "Carroll",   "Lane",       "Riley",     "Andrews",
    "Alvarado", "Ray",       "Delgado",    "Berry",     "Perkins",    "Hoffman",   "Johnston",
    "Matthews", "Pena",      "Richards",   "Willis",    "Carpenter",  "Lawrence",  "Sandoval",
    "Mueller",  "Schneider", "Fischer",    "Weber",     "Becker",     "Schulz",    "Koch",
    "Richter",  "Wolf",      "Dubois",     "Moreau",    "Laurent",    "Lefebvre",  "Rossi",
    "Russo",    "Ferrari",   "Esposito",   "Bianchi",   "Jansen",     "Visser",    "Nielsen",
    "Larsen",   "Andersson", "Johansson",  "Kowalski",  "Novak",      "Horvat",    "Petrov",
    "Ivanov",   "Tanaka",    "Suzuki",     "Sato",      "Wang",       "Li",        "Zhang",
    "Liu",      "Singh",     "Kumar",      "Shah",      "Khan",
};

constexpr std::string_view kCities[] = {
    "Springfield",  "Riverside",  "Franklin",    "Greenville", "Bristol",   "Clinton",
    "Fairview",     "Salem",      "Madison",     "Georgetown", "Arlington", "Ashland",
    "Burlington",   "Manchester", "Marion",      "Oxford",     "Clayton",   "Jackson",
    "Milton",       "Auburn",     "Dayton",      "Lexington",  "Milford",   "Winchester",
    "Hudson",       "Kingston",   "Newport",     "Dover",      "Chester",   "Cleveland",
    "Mount Vernon", "Lebanon",    "Centerville", "Troy",       "Hamilton",  "Princeton",
    "Richmond",     "Columbia",   "Florence",    "Bedford",    "Camden",    "Dublin",
    "Glendale",     "Harrison",   "Jamestown",   "Lakewood",   "Lincoln",   "Monroe",
    "Newton",       "Oakland",    "Plymouth",    "Portland",   "Quincy",    "Rochester",
    "Sheffield",    "Stratford",  "Trenton",     "Union",      "Warren",    "Waverly",
    "Weston",       "Wilmington", "Windsor",     "Woodstock",  "York",      "Aberdeen",
    "Avon",         "Brighton",   "Cambridge",   "Canton",     "Carlisle",  "Concord",
    "Denton",       "Durham",     "Easton",      "Elgin",      "Exeter",    "Fulton",
    "Goshen",       "Hanover",    "Hartford",    "Hastings",   "Highland",  "Hillsboro",
    "Kent",         "Lancaster",  "Lansing",     "Lawrence",   "Leeds",     "Lisbon",
    "Livingston",   "Marshall",   "Medford",     "Middletown", "Morgan",    "Norwood",
    "Oakdale",      "Orange",     "Paris",       "Perry",      "Preston",   "Raleigh",
    "Reading",      "Sandy Hill", "Shelby",      "Somerset",   "Stanton",   "Sterling",
    "Sumner",       "Taylor",     "Vernon",      "Walton",     "Warwick",   "Waterford",
    "Westfield",    "Winfield",   "Yorktown",
};

constexpr std::string_view kStreetNames[] = {
    "Main",       "Oak",      "Pine",     "Maple",    "Cedar",     "Elm",      "Washington",
    "Lake",       "Hill",     "Walnut",   "Park",     "Sunset",    "Willow",   "Jackson",
    "Church",     "Highland", "Lincoln",  "Spring",   "North",     "South",    "Ridge",
    "River",      "Meadow",   "Forest",   "Valley",   "Mill",      "Chestnut", "Hickory",
    "Birch",      "Cherry",   "Dogwood",  "Franklin", "Jefferson", "Madison",  "Adams",
    "Center",     "College",  "Locust",   "Laurel",   "Magnolia",  "Poplar",   "Spruce",
    "Sycamore",   "Woodland", "Lakeview", "Hillside", "Prospect",  "Broad",    "Market",
    "Front",      "Water",    "Bridge",   "Union",    "Mountain",  "Orchard",  "Garden",
    "Railroad",   "Canal",    "Harbor",   "Bay",      "Beach",     "Brook",    "Creek",
    "Fairway",    "Glen",     "Grove",    "Heather",  "Holly",     "Juniper",  "Kingston",
    "Lark",       "Linden",   "Mapleton", "Mason",    "Monroe",    "Newport",  "Oakwood",
    "Parkview",   "Pleasant", "Quarry",   "Rosewood", "Sage",      "Shady",    "Silver",
    "Stone",      "Summit",   "Timber",   "Tulip",    "Vine",      "Vista",    "Warren",
    "Wellington", "Westwood", "Wildwood", "Windsor",  "Winter",    "York",     "Aspen",
    "Bluebird",   "Clover",
};

constexpr std::string_view kStreetSuffixes[] = {
    "Street", "Avenue",  "Road",   "Lane",    "Drive", "Court",  "Place", "Boulevard",
    "Way",    "Terrace", "Circle", "Parkway", "Trail", "Square", "Row",
};

}  // namespace

std::span<const std::string_view> FirstNames() { return kFirstNames; }
std::span<const std::string_view> LastNames() { return kLastNames; }
std::span<const std::string_view> Cities() { return kCities; }
std::span<const std::string_view> StreetNames() { return kStreetNames; }
std::span<const std::string_view> StreetSuffixes() { return kStreetSuffixes; }

namespace {

// Every substring of every word of every list, built once: mask verify asks
// about millions of values, and a scan of the lists per value was the larger
// part of reading the originals.
const std::unordered_set<std::string_view>& WordSubstrings() {
  static const auto* set = [] {
    auto* out = new std::unordered_set<std::string_view>;
    for (auto list : {FirstNames(), LastNames(), Cities(), StreetNames(), StreetSuffixes()}) {
      for (std::string_view word : list) {
        for (size_t from = 0; from < word.size(); ++from) {
          for (size_t n = 1; from + n <= word.size(); ++n) out->insert(word.substr(from, n));
        }
      }
    }
    return out;
  }();
  return *set;
}

size_t LongestWord(std::span<const std::string_view> list) {
  size_t n = 0;
  for (std::string_view word : list) n = std::max(n, word.size());
  return n;
}

// `list` in ASCII lower case, for lookups that ignore case.
class LowerSet {
 public:
  explicit LowerSet(std::span<const std::string_view> list) : longest_(LongestWord(list)) {
    for (std::string_view word : list) words_.insert(Lower(word));
  }
  bool Contains(std::string_view value) const {
    return value.size() <= longest_ && words_.count(Lower(value)) > 0;
  }

 private:
  static std::string Lower(std::string_view v) {
    std::string out(v);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
  }
  size_t longest_;
  std::unordered_set<std::string> words_;
};

// The lists as sets, built on first use (thread-safe: a function-local static).
struct LowerSets {
  LowerSet first{FirstNames()}, last{LastNames()}, city{Cities()}, street{StreetNames()},
      suffix{StreetSuffixes()};
};
const LowerSets& Sets() {
  static const auto* sets = new LowerSets;
  return *sets;
}

}  // namespace

bool InsideDictionaryWord(std::string_view value) {
  return !value.empty() && WordSubstrings().count(value) > 0;
}

namespace {

// "<First> <Last>"
bool IsFullName(std::string_view v) {
  for (size_t space = v.find(' '); space != std::string_view::npos;
       space = v.find(' ', space + 1)) {
    if (Sets().first.Contains(v.substr(0, space)) && Sets().last.Contains(v.substr(space + 1))) {
      return true;
    }
  }
  return false;
}

// "<1-9999> <Name> <Suffix>"
bool IsStreet(std::string_view v) {
  size_t digits = 0;
  while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9') ++digits;
  if (digits == 0 || digits > 4 || digits >= v.size() || v[digits] != ' ') return false;
  const std::string_view rest = v.substr(digits + 1);
  const size_t space = rest.rfind(' ');
  return space != std::string_view::npos && Sets().street.Contains(rest.substr(0, space)) &&
         Sets().suffix.Contains(rest.substr(space + 1));
}

}  // namespace

bool IsDictionaryOutput(std::string_view value) {
  return Sets().first.Contains(value) || Sets().last.Contains(value) ||
         Sets().city.Contains(value) || IsFullName(value) || IsStreet(value);
}

}  // namespace spur::mask
