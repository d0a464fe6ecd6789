// A bounded queue between two pipeline stages. A file source blocks when the queue is full
// (nothing is lost); a live source drops the oldest frame instead (it must not fall behind the
// camera), and the drops are counted.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace outpost {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Waits for room (drop_oldest false) or makes room by dropping the oldest item (true).
  // Returns false when the queue was closed (the item is discarded).
  bool push(T item, bool drop_oldest = false) {
    std::unique_lock lock(mutex_);
    if (drop_oldest) {
      while (items_.size() >= capacity_) {
        items_.pop_front();
        ++dropped_;
      }
    } else {
      not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // The next item; nullopt once the queue is closed and empty.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  // No more pushes; pop() drains what is left, then returns nullopt.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  int64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  bool closed_ = false;
  int64_t dropped_ = 0;
};

}  // namespace outpost
